import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readTargetKey, TargetKeyError } from '../../../lib/matching';

const byField = (field: string) => ({ from: 'body' as const, evaluate: async (body: unknown) => (body as Record<string, unknown>)[field] });

describe('readTargetKey', () => {
  it('takes the last segment of the Location header, decoded', async () => {
    assert.equal(await readTargetKey({ body: '', headers: { location: '/api/contacts/C%2F81?x=1' } }, { from: 'location' }), 'C/81');
    assert.equal(await readTargetKey({ body: '', headers: { location: 'https://crm.example/contacts/81/' } }, { from: 'location' }), '81');
  });

  it('refuses an answer without a Location header', async () => {
    await assert.rejects(readTargetKey({ body: '{}', headers: {} }, { from: 'location' }), TargetKeyError);
  });

  it('reads a string or number id from the body as the text the downstream wrote', async () => {
    assert.equal(await readTargetKey({ body: '{"id":"007"}', headers: {} }, byField('id')), '007');
    assert.equal(await readTargetKey({ body: '{"id":81}', headers: {} }, byField('id')), '81');
  });

  it('says when the body names no id, or something that is not one', async () => {
    await assert.rejects(readTargetKey({ body: '{"ok":true}', headers: {} }, byField('id')), /found no id/);
    await assert.rejects(readTargetKey({ body: '{"id":[1,2]}', headers: {} }, byField('id')), /a list, not an id/);
    await assert.rejects(readTargetKey({ body: JSON.stringify({ id: 'x'.repeat(501) }), headers: {} }, byField('id')), /longer than 500/);
  });
});
