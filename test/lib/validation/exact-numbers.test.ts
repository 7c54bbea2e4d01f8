import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRowSchema } from '../../../lib/validation';
import { numberProblem } from '../../../lib/validation/exact-numbers';

const SCHEMA = {
  type: 'object',
  properties: {
    employeeNumber: { type: 'integer' },
    amount: { type: 'number' },
    code: { type: 'string' },
    optional: { type: ['integer', 'null'] },
  },
};

describe('compileRowSchema: a text becomes a number only when written exactly as one', () => {
  const validator = compileRowSchema(SCHEMA);

  it('converts plain numbers, and keeps text columns as written', () => {
    const result = validator.validate({ employeeNumber: '42', amount: '12.50', code: '007' });
    assert.deepEqual(result, { ok: true, value: { employeeNumber: 42, amount: 12.5, code: '007' } });
    for (const [text, value] of [['-17', -17], ['0', 0], ['9007199254740991', 9007199254740991], ['100000000000000000000', 1e20]] as const) {
      assert.deepEqual(validator.validate({ employeeNumber: text }), { ok: true, value: { employeeNumber: value } }, text);
    }
    assert.deepEqual(validator.validate({ amount: '0.1' }), { ok: true, value: { amount: 0.1 } });
  });

  it('refuses exponents, hex, leading zeros, signs and spaces instead of changing the value', () => {
    // Each of these passed `type: integer` before, as another number.
    for (const text of ['1e3', '0x10', '007', ' 42', '42 ', '+5', '0b11', '5.']) {
      const result = validator.validate({ employeeNumber: text });
      assert.equal(result.ok, false, `${JSON.stringify(text)} must not become a number`);
      if (!result.ok) {
        assert.deepEqual(result.errors, [
          `column "employeeNumber": value ${JSON.stringify(text)} is not written as a plain number (digits, an optional minus sign and decimal point; no exponent, hex, plus sign, spaces or leading zeros)`,
        ]);
      }
    }
    assert.deepEqual(validator.validate({ amount: '-0.0' }), { ok: false, errors: ['column "amount": value "-0.0" is minus zero: it would be sent as 0'], detail: [{ instancePath: '/amount', schemaPath: '#/exactNumber', keyword: 'exactNumber', params: { value: '-0.0' }, message: 'is minus zero: it would be sent as 0' }] });
    // These never passed: the type rule says so, as before.
    for (const text of ['1_000', '-0x1', '.5', 'twelve']) {
      const result = validator.validate({ employeeNumber: text });
      assert.deepEqual(result.ok ? [] : result.errors, [`column "employeeNumber": value ${JSON.stringify(text)} is not an integer`]);
    }
  });

  it('refuses a number with more digits than it can hold exactly, saying what would have been sent', () => {
    const result = validator.validate({ employeeNumber: '9007199254740993', amount: '0.1000000000000000055511151231257827', code: 'x' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.errors, [
      'column "employeeNumber": value "9007199254740993" has more digits than a number holds exactly: it would be sent as 9007199254740992 (make the column text in the schema)',
      'column "amount": value "0.1000000000000000055511151231257827" has more digits than a number holds exactly: it would be sent as 0.1 (make the column text in the schema)',
    ]);
    assert.deepEqual(
      result.detail.map((error) => [error.keyword, error.instancePath]),
      [
        ['exactNumber', '/employeeNumber'],
        ['exactNumber', '/amount'],
      ],
    );
  });

  it('reports an inexact number beside the other broken rules of the row', () => {
    const strict = compileRowSchema({ ...SCHEMA, required: ['code'], properties: { ...SCHEMA.properties, employeeNumber: { type: 'integer', maximum: 999 } } });
    const result = strict.validate({ employeeNumber: '1e3' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.errors.sort(), [
      'column "code" is required',
      'column "employeeNumber": value "1e3" is greater than 999',
      'column "employeeNumber": value "1e3" is not written as a plain number (digits, an optional minus sign and decimal point; no exponent, hex, plus sign, spaces or leading zeros)',
    ]);
  });

  it('leaves an empty optional cell to the schema (null), as before', () => {
    assert.deepEqual(validator.validate({ optional: '' }), { ok: true, value: { optional: null } });
  });
});

describe('numberProblem on whole numbers', () => {
  // The rule as written first: the number's own text, compared with the cell's (trailing decimal zeros aside).
  const byText = (text: string, value: number): boolean => String(value) === (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

  it('finds a whole number exact exactly when its text is the cell\'s, near and beyond the exact range too', () => {
    const texts = ['0', '7', '-7', '10', '9007199254740991', '-9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '12345678901234567890', '1.0', '2.50', '9007199254740993.0'];
    let state = 12345;
    const digit = () => (state = (state * 48271) % 2147483647) % 10;
    for (let digits = 1; digits <= 20; digits += 1) {
      for (let i = 0; i < 30; i += 1) {
        let text = String(1 + (digit() % 9));
        while (text.length < digits) text += String(digit());
        texts.push(text, `-${text}`);
      }
    }
    for (const text of texts) {
      const value = Number(text);
      assert.equal(numberProblem(text, value) === undefined, byText(text, value), text);
    }
  });

  it('judges the value given, not the text read again', () => {
    assert.notEqual(numberProblem('5', 6), undefined);
    assert.equal(numberProblem('5', 5), undefined);
  });
});
