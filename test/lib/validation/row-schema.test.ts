import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BsyncError } from '../../../lib/errors';
import { compileRowSchema, SchemaError, type RowValidation, type RowValidator } from '../../../lib/validation';

const BANK_SCHEMA = {
  type: 'object',
  properties: {
    employeeNumber: { type: 'integer', minimum: 1, maximum: 99999999 },
    iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$', maxLength: 34 },
    bankIdentifier: { type: 'string', minLength: 8, maxLength: 11 },
    branchIdentifier: { type: 'string', default: '000' },
    accountNumber: { type: 'integer' },
    currency: { enum: ['EUR', 'USD'] },
  },
  required: ['employeeNumber', 'iban', 'accountNumber'],
  additionalProperties: false,
};

const GOOD_ROW = { employeeNumber: '1001', iban: 'NL91ABNA0417164300', bankIdentifier: 'ABNANL2A', accountNumber: '417164300' };

function errorsOf(validator: RowValidator, record: Record<string, unknown>): string[] {
  const result: RowValidation = validator.validate(record);
  assert.equal(result.ok, false, 'the row should be rejected');
  return result.ok ? [] : result.errors;
}

describe('compileRowSchema', () => {
  const validator = compileRowSchema(BANK_SCHEMA);

  it('coerces CSV strings to the schema types and fills defaults, on a copy', () => {
    const record = { ...GOOD_ROW };
    const result = validator.validate(record);
    assert.deepEqual(result, {
      ok: true,
      value: { employeeNumber: 1001, iban: 'NL91ABNA0417164300', bankIdentifier: 'ABNANL2A', accountNumber: 417164300, branchIdentifier: '000' },
    });
    assert.deepEqual(record, GOOD_ROW, "the caller's record is not changed");
  });

  it('says which column is required', () => {
    assert.deepEqual(errorsOf(validator, { iban: 'NL91ABNA0417164300', accountNumber: '1' }), ['column "employeeNumber" is required']);
  });

  it('says which value is not of the right type, as it was written', () => {
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, accountNumber: 'abc' }), ['column "accountNumber": value "abc" is not an integer']);
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, accountNumber: '12.5' }), ['column "accountNumber": value "12.5" is not an integer']);
  });

  it('names the pattern a value does not match', () => {
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, iban: 'XX00' }), [
      'column "iban": value "XX00" does not match the pattern ^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$',
    ]);
  });

  it('names the length limits', () => {
    const tooLong = `NL91${'A'.repeat(31)}`;
    assert.ok(errorsOf(validator, { ...GOOD_ROW, iban: tooLong }).includes(`column "iban": value "${tooLong}" is longer than 34 characters`));
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, bankIdentifier: 'ABN' }), ['column "bankIdentifier": value "ABN" is shorter than 8 characters']);
  });

  it('names the number limits', () => {
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, employeeNumber: '0' }), ['column "employeeNumber": value "0" is less than 1']);
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, employeeNumber: '100000000' }), [
      'column "employeeNumber": value "100000000" is greater than 99999999',
    ]);
  });

  it('lists the allowed values of an enum', () => {
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, currency: 'GBP' }), ['column "currency": value "GBP" is not one of "EUR", "USD"']);
  });

  it('names a column the schema does not allow', () => {
    assert.deepEqual(errorsOf(validator, { ...GOOD_ROW, nickname: 'Bob' }), ['column "nickname" is not allowed by the schema']);
  });

  it('reports every broken rule of a row, not only the first', () => {
    const errors = errorsOf(validator, { iban: 'XX00', accountNumber: 'abc' });
    assert.deepEqual(errors.sort(), [
      'column "accountNumber": value "abc" is not an integer',
      'column "employeeNumber" is required',
      'column "iban": value "XX00" does not match the pattern ^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$',
    ]);
    const result = validator.validate({ iban: 'XX00', accountNumber: 'abc' });
    assert.ok(!result.ok && Array.isArray(result.detail) && result.detail.length === 3, 'ajv errors kept as detail');
  });

  it("falls back to ajv's message for other rules", () => {
    const other = compileRowSchema({ type: 'object', properties: { code: { type: 'string', not: { const: 'X' } } } });
    assert.deepEqual(errorsOf(other, { code: 'X' }), ['column "code": value "X" must NOT be valid']);
  });

  it('turns an empty CSV field into null where the schema allows null', () => {
    const nullable = compileRowSchema({ type: 'object', properties: { amount: { type: ['integer', 'null'] } } });
    assert.deepEqual(nullable.validate({ amount: '' }), { ok: true, value: { amount: null } });
    assert.deepEqual(errorsOf(nullable, { amount: 'x' }), ['column "amount": value "x" is not an integer or empty']);
  });

  it('accepts the schema as JSON text and reuses the compiled validator for the same text', () => {
    const text = JSON.stringify(BANK_SCHEMA);
    const fromText = compileRowSchema(text);
    assert.equal(compileRowSchema(text), fromText);
    assert.equal(compileRowSchema(BANK_SCHEMA), validator);
    assert.equal(fromText.validate(GOOD_ROW).ok, true);
  });

  it('collects the warning about a format it cannot check', () => {
    const withFormat = compileRowSchema({ type: 'object', properties: { mail: { type: 'string', format: 'email' } } });
    assert.match(withFormat.warnings.join('\n'), /unknown format "email"/);
  });

  it('refuses a schema that is not JSON, not an object, or not a valid JSON Schema', () => {
    const cases: Array<[object | string, RegExp]> = [
      ['{"type": "object",', /^the row schema is not valid JSON: /],
      ['[1, 2]', /^the row schema must be a JSON object, not a list$/],
      [{ type: 'integr' }, /^the row schema is not a valid JSON Schema: schema\/type must be equal to one of the allowed values/],
      [{ type: 'object', properties: { a: { pattern: '([' } } }, /^the row schema is not a valid JSON Schema: .*regular expression/i],
    ];
    for (const [schema, message] of cases) {
      assert.throws(
        () => compileRowSchema(schema),
        (error: unknown) => error instanceof SchemaError && error instanceof BsyncError && error.code === 'SCHEMA_INVALID' && message.test(error.message),
        `schema ${JSON.stringify(schema)}`,
      );
    }
  });
});
