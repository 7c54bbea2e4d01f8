// Differential tests: a compiled expression gives what JSONata gives (the jsonata package and Node-RED's
// copy), by JSON text and by structure, for every supported shape over many generated inputs; where it
// hands an evaluation back (FALLBACK), JSONata's own result is what the node uses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpression, evaluateCompiledFirst, FALLBACK } from '../../../lib/mapping';
import { difference, ENGINES } from './jsonata-engines';
import { expression as generatedExpression, flatRow, inputs } from './generated-inputs';
import { seededRandom } from '../../support/seeded-random';

/** Every supported shape, alone and combined; the bench's expressions among them. */
const SUPPORTED = [
  'a',
  'a.b',
  'a.b.c',
  '`x y`',
  '`x y`.a',
  '$',
  '$.a',
  '$.a.b',
  '"text"',
  '""',
  '0',
  '-1.5',
  '1e21',
  'null',
  'true',
  'false',
  '{}',
  '{"a": a}',
  '{"a": a, "b": b, "c": c}',
  '{"b": b, "a": a, "1": c, "0": name}',
  '{"row": $, "k": "v", "n": 1, "none": null, "t": true}',
  '{"employeeNumber": a, "iban": b, "bank": {"bic": c, "branch": name}, "accountNumber": id}',
  '{"employeeNumber": employeeNumber, "iban": iban, "bank": {"bic": bankIdentifier, "branch": branchIdentifier}, "accountNumber": accountNumber}',
  '{"deep": a.b.c, "list": [a, b]}',
  '[]',
  '[a]',
  '[a, b]',
  '[a, [b, c], "x", 1, null]',
  '[[a]]',
  '[$]',
  '[$.a]',
  '$.{"id": contactId, "name": name, "email": email}',
  '[$.{"id": contactId, "name": name, "email": email}]',
  '[$.{"v": a.b, "all": $}]',
  'a.{"x": b}',
  '{"items": $.{"x": a}}',
  'a.b.{"x": c, "y": [c]}',
  'status = "SUCCESS"',
  'status != "SUCCESS"',
  '"SUCCESS" = status',
  'a = 0',
  'a = null',
  'a = true',
  'a != false',
  'a = b',
  'a.b = "x"',
  'status = "SUCCESS" and code = 0',
  'status = "SUCCESS" or code = "0"',
  'a and b',
  'a or b',
  'a = "x" or a = "0" and b != null',
  '{"ok": status = "SUCCESS", "code": code}',
  'id',
];

/** Shapes that must stay with JSONata: variables, functions, operators beyond these, predicates... */
const NOT_COMPILED = [
  'msg.payload',
  '$env("X")',
  '$flowContext("a")',
  '$globalContext("a")',
  '$string(a)',
  '$moment()',
  '$x',
  '$$',
  '$$.a',
  'a[0]',
  'a[b = 1]',
  'a[]',
  '*',
  'a.*',
  '**',
  '**.a',
  'a.b.%.c',
  '/re/',
  'a{"k": b}',
  'a{b: c}',
  'a ~> $string',
  'function($x){$x}',
  'a + 1',
  '-a',
  'a & "x"',
  'a > 1',
  'a in [1]',
  'a ? b : c',
  '($x := 1; $x)',
  '{a: b}',
  '{"a": 1, "a": 2}',
  '{"__proto__": a}',
  'constructor',
  'a.__proto__',
  '_jsonata_function',
  'a.$',
  '{"a": a}.b',
  '[a, b].c',
  '$.a.$',
  'a^(b)',
  'a@$x.b',
  'a#$i.b',
  'a.(b)',
  '(a)',
  '$exists(a)',
  'a = 1 ? "x" : "y"',
];

async function jsonataResult(evaluate: (input: unknown) => Promise<unknown>, input: unknown): Promise<{ value?: unknown; error?: string }> {
  try {
    return { value: await evaluate(input) };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

/** The compiled function's result on `input` is JSONata's own, by JSON text and by structure. */
async function assertSameAsJsonata(result: unknown, evaluate: (input: unknown) => Promise<unknown>, input: unknown, where: string): Promise<void> {
  const expected = await jsonataResult(evaluate, input);
  assert.equal(expected.error, undefined, `JSONata failed where the compiled function gave ${JSON.stringify(result)}: ${where}`);
  assert.equal(JSON.stringify(result), JSON.stringify(expected.value), where);
  assert.equal(difference(result, expected.value), undefined, where);
}

const INPUTS = inputs(15, 1000);

describe('compiled JSONata expressions', () => {
  for (const expression of SUPPORTED) {
    it(`${expression}: compiled, and gives JSONata's result for every input it does not hand back`, async () => {
      for (const engine of ENGINES) {
        const parsed = engine.parse(expression);
        const compiled = compileExpression(parsed.ast());
        assert.ok(compiled, `${expression} should compile (${engine.name})`);
        let compiledRuns = 0;
        for (const input of INPUTS) {
          const result = compiled(input);
          if (result === FALLBACK) continue;
          compiledRuns += 1;
          await assertSameAsJsonata(result, (value) => parsed.evaluate(value), input, `${expression} on ${JSON.stringify(input)} (${engine.name})`);
        }
        // Most generated inputs are plain rows, groups of rows and scalars: they must not all be handed back.
        assert.ok(compiledRuns > INPUTS.length / 3, `${expression}: only ${compiledRuns} of ${INPUTS.length} inputs compiled (${engine.name})`);
      }
    });
  }

  it('a flat row (what a CSV row is) is never handed back to JSONata by any supported shape', () => {
    const next = seededRandom(7);
    const [engine] = ENGINES;
    for (const expression of SUPPORTED) {
      const compiled = compileExpression(engine.parse(expression).ast())!;
      for (let index = 0; index < 200; index++) assert.notEqual(compiled(flatRow(next)), FALLBACK, expression);
    }
  });

  it('generated expressions of the supported shapes compile and give JSONata\'s result', async () => {
    const next = seededRandom(42);
    const sample = inputs(99, 120);
    let compiledRuns = 0;
    for (let count = 0; count < 300; count++) {
      const text = generatedExpression(next, 3);
      for (const engine of ENGINES) {
        const parsed = engine.parse(text);
        const compiled = compileExpression(parsed.ast());
        assert.ok(compiled, `${text} should compile (${engine.name})`);
        for (const input of sample) {
          const result = compiled(input);
          if (result === FALLBACK) continue;
          compiledRuns += 1;
          await assertSameAsJsonata(result, (value) => parsed.evaluate(value), input, `${text} on ${JSON.stringify(input)} (${engine.name})`);
        }
      }
    }
    assert.ok(compiledRuns > 300 * 2 * sample.length * 0.5, `only ${compiledRuns} evaluations compiled`);
  });

  for (const expression of NOT_COMPILED) {
    it(`${expression}: not compiled`, () => {
      for (const engine of ENGINES) {
        assert.equal(compileExpression(engine.parse(expression).ast()), undefined, `${expression} (${engine.name})`);
      }
    });
  }

  it('hands back exactly the inputs it cannot be sure of: a path over lists of lists, an object over a list', async () => {
    const [, engine] = ENGINES;
    const cases: Array<[string, unknown]> = [
      ['a.b', { a: [[{ b: 1 }], { b: 2 }] }],
      ['a', [{ a: 1 }, { a: 2 }]],
      ['{"a": a}', [{ a: 1 }, { a: 2 }]],
      ['$.{"a": a}', [[{ a: 1 }], { a: 2 }]],
      ['a = b', { a: { x: 1 }, b: { x: 1 } }],
      ['a and b', { a: [0], b: true }],
      ['a', { a: Object.assign([1, 2], { sequence: true }) }],
      ['toString', {}],
    ];
    for (const [expression, input] of cases) {
      const parsed = engine.parse(expression);
      let jsonataRuns = 0;
      const evaluate = evaluateCompiledFirst(parsed.ast(), (value) => {
        jsonataRuns += 1;
        return parsed.evaluate(value);
      });
      const result = await evaluate(input);
      assert.equal(jsonataRuns, 1, `${expression} on ${JSON.stringify(input)} goes to JSONata`);
      assert.equal(difference(result, await parsed.evaluate(input)), undefined, expression);
    }
  });

  it('evaluates a compiled shape without JSONata and without a promise, and the rest with JSONata', async () => {
    const [, engine] = ENGINES;
    let jsonataRuns = 0;
    const withJsonata = (expression: string) => {
      const parsed = engine.parse(expression);
      return evaluateCompiledFirst(parsed.ast(), (value) => {
        jsonataRuns += 1;
        return parsed.evaluate(value);
      });
    };
    const mapping = withJsonata('{"id": contactId, "bank": {"bic": bic}}');
    const mapped = mapping({ contactId: '007', bic: 'DEUTDEFF' });
    assert.ok(!(mapped instanceof Promise), 'a compiled result is given as it is');
    assert.deepEqual(mapped, { id: '007', bank: { bic: 'DEUTDEFF' } });
    assert.equal(withJsonata('status = "SUCCESS"')({ status: 'SUCCESS' }), true);
    assert.equal(jsonataRuns, 0);
    const upper = withJsonata('$uppercase(name)');
    assert.equal(await upper({ name: 'ada' }), 'ADA');
    assert.equal(jsonataRuns, 1);
  });
});
