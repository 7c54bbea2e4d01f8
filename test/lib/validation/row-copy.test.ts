// validate() works on a copy of the row: a flat row (every CSV row) is copied flat, a row holding lists or
// objects deep, as structuredClone did. The caller's row never changes, and the copy has its keys, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJsonRowSchema, compileRowSchema } from '../../../lib/validation';

describe('the copy a row is validated on', () => {
  it('a flat row: coerced and defaulted on the copy, the keys in the row\'s order, "__proto__" an own column', () => {
    const validator = compileRowSchema('{"type":"object","properties":{"amount":{"type":"number"},"currency":{"type":"string","default":"EUR"},"__proto__":{"type":"string"}}}');
    const row: Record<string, unknown> = JSON.parse('{"b":"x","amount":"12.5","__proto__":"p","1":"one"}');
    const before = JSON.stringify(row);
    const validation = validator.validate(row);
    assert.ok(validation.ok);
    assert.equal(JSON.stringify(validation.value), '{"1":"one","b":"x","amount":12.5,"__proto__":"p","currency":"EUR"}');
    assert.equal(Object.getPrototypeOf(validation.value), Object.prototype);
    assert.equal(JSON.stringify(row), before, 'the caller\'s row is unchanged');
  });

  it('a row without a prototype is copied to a plain object', () => {
    const row = Object.assign(Object.create(null) as Record<string, unknown>, { id: '7' });
    const validation = compileRowSchema({ type: 'object', properties: { id: { type: 'integer' } } }).validate(row);
    assert.ok(validation.ok);
    assert.deepEqual(validation.value, { id: 7 });
    assert.equal(row.id, '7');
  });

  it('a row holding objects and lists is cloned deep: defaults inside them never reach the caller\'s row', () => {
    const validator = compileJsonRowSchema({
      type: 'object',
      properties: { address: { type: 'object', properties: { country: { type: 'string', default: 'NL' } } }, tags: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string', default: 'x' } } } } },
    });
    const row = { address: { city: 'Utrecht' }, tags: [{}], n: null };
    const validation = validator.validate(row);
    assert.ok(validation.ok);
    assert.deepEqual(validation.value, { address: { city: 'Utrecht', country: 'NL' }, tags: [{ kind: 'x' }], n: null });
    assert.deepEqual(row, { address: { city: 'Utrecht' }, tags: [{}], n: null });
  });
});
