import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { contentHash, decideDelivery, sourceKeyOf, splitUpdateTemplate, updatePath, UpdatePathError } from '../../../lib/matching';

describe('sourceKeyOf', () => {
  it('is the JSON of the key columns as read, in the order of the key columns', () => {
    assert.deepEqual(sourceKeyOf({ name: 'A', customerNo: '007', region: 'north' }, ['region', 'customerNo']), { ok: true, sourceKey: '{"region":"north","customerNo":"007"}' });
  });
  it('keeps a JSON Lines value its type: 7 and "7" are different keys', () => {
    const number = sourceKeyOf({ customerNo: 7 }, ['customerNo']);
    const text = sourceKeyOf({ customerNo: '7' }, ['customerNo']);
    assert.ok(number.ok && text.ok);
    assert.notEqual(number.sourceKey, text.sourceKey);
  });
  it('keeps spaces: " C1" is not "C1"', () => {
    assert.deepEqual(sourceKeyOf({ customerNo: ' C1' }, ['customerNo']), { ok: true, sourceKey: '{"customerNo":" C1"}' });
  });
  it('refuses a row without a value for a key column, and a list or object value', () => {
    assert.deepEqual(sourceKeyOf({ customerNo: '' }, ['customerNo']), { ok: false, error: 'the row has no value for the key column customerNo' });
    assert.deepEqual(sourceKeyOf({}, ['customerNo']), { ok: false, error: 'the row has no value for the key column customerNo' });
    assert.deepEqual(sourceKeyOf({ customerNo: null }, ['customerNo']), { ok: false, error: 'the row has no value for the key column customerNo' });
    assert.equal(sourceKeyOf({ customerNo: ['a'] }, ['customerNo']).ok, false);
  });
  it('refuses a key longer than the key map keeps, rather than cutting it', () => {
    const result = sourceKeyOf({ customerNo: 'x'.repeat(600) }, ['customerNo']);
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /longer than 500 characters/);
  });
  it('does not take a key from the prototype', () => {
    assert.equal(sourceKeyOf({}, ['toString']).ok, false);
  });
});

describe('contentHash', () => {
  it('is the sha256 hex of the exact body text', () => {
    assert.equal(contentHash('{"a":1}'), createHash('sha256').update('{"a":1}').digest('hex'));
    assert.notEqual(contentHash('{"a":1}'), contentHash('{"a":1 }'));
    assert.match(contentHash('é'), /^[0-9a-f]{64}$/);
  });

  it('hashes the UTF-8 bytes of any text, as a Hash object given the same text does', () => {
    // Multi-byte characters, an astral one, and a lone surrogate (both encode it as U+FFFD).
    for (const body of ['{"name":"Zoë Ærø"}', '{"emoji":"😀"}', '{"broken":"\ud800"}', '', 'x'.repeat(100_000)]) {
      assert.equal(contentHash(body), createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex'), JSON.stringify(body.slice(0, 20)));
    }
  });
});

describe('decideDelivery', () => {
  it('creates an unmapped key, skips unchanged content, updates changed content by its target key', () => {
    assert.deepEqual(decideDelivery(undefined, 'h1'), { action: 'create' });
    assert.deepEqual(decideDelivery({ targetKey: '81', contentHash: 'h1' }, 'h1'), { action: 'skip' });
    assert.deepEqual(decideDelivery({ targetKey: '81', contentHash: 'h0' }, 'h1'), { action: 'update', targetKey: '81' });
    // A replay (a resend the remote system asked for, a replay of failed rows) sends an unchanged row all the same.
    assert.deepEqual(decideDelivery({ targetKey: '81', contentHash: 'h1' }, 'h1', { skipUnchanged: false }), { action: 'update', targetKey: '81' });
  });
  it('never creates a mapped record again, even without its target key', () => {
    assert.deepEqual(decideDelivery({ targetKey: null, contentHash: 'h0' }, 'h1'), { action: 'unaddressable' });
    assert.deepEqual(decideDelivery({ targetKey: null, contentHash: 'h1' }, 'h1'), { action: 'skip' });
  });
  it('does not send a version over that of a batch parked after it; a replay it sends, and an older or equal batch updates', () => {
    const mapped = { targetKey: '81', contentHash: 'h0', originBatchId: 12 };
    assert.deepEqual(decideDelivery(mapped, 'h1', { skipUnchanged: true, originBatchId: 11 }), { action: 'superseded', byBatchId: 12 });
    assert.deepEqual(decideDelivery(mapped, 'h1', { skipUnchanged: true, originBatchId: 12 }), { action: 'update', targetKey: '81' });
    assert.deepEqual(decideDelivery(mapped, 'h1', { skipUnchanged: true, originBatchId: 13 }), { action: 'update', targetKey: '81' });
    assert.deepEqual(decideDelivery(mapped, 'h1', { skipUnchanged: false }), { action: 'update', targetKey: '81' });
    assert.deepEqual(decideDelivery({ ...mapped, originBatchId: null }, 'h1', { skipUnchanged: true, originBatchId: 11 }), { action: 'update', targetKey: '81' }, 'a mapping from before origins were kept');
  });
});

describe('update path', () => {
  it('fills the target key, URL-encoded, where the template names it', () => {
    const parts = splitUpdateTemplate('/customers/{targetKey}/profile');
    assert.deepEqual(parts, ['/customers/', '/profile']);
    assert.equal(updatePath(parts, 'a/b c'), '/customers/a%2Fb%20c/profile');
  });
  it('refuses a template without {targetKey}', () => {
    assert.throws(() => splitUpdateTemplate('/customers/{customerNo}'), UpdatePathError);
  });
});
