// The watermark routes of the admin API, on every store database: list the extracts' watermarks, reset one
// (the old value in the audit trail, with who asked), refuse what cannot be reset.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { watermarkRoutes } from '../../lib/admin/watermark-routes';
import type { AdminContext, AdminRequest } from '../../lib/admin/admin-route';
import { advanceWatermark, listEvents, registerBatch, writeTransaction, type Store } from '../../lib/store';
import { describeEachDatabase, openTestStore } from '../support/stores';

function route(method: string, path: string) {
  const found = watermarkRoutes.find((candidate) => candidate.method === method && candidate.path === path);
  assert.ok(found, `${method} ${path}`);
  return found;
}

function request(partial: Partial<AdminRequest>): AdminRequest {
  return { params: {}, query: {}, body: undefined, actor: 'alice', ...partial };
}

describeEachDatabase('watermark routes', (kind) => {
  let store: Store;
  let context: AdminContext;
  before(async () => {
    store = await openTestStore(kind);
    context = { store, storeId: 'store', dispatchers: undefined as never, processingFolder: '/nowhere' };
    const batch = await registerBatch(store, { groupType: 'customers', kind: 'payload', payload: '{}', actor: 'test' });
    await writeTransaction(store, (trx) =>
      advanceWatermark(store, trx, { extract: 'customers-to-crm', columns: ['updated_at', 'id'], from: null, to: { updated_at: '2026-11-30T10:00:00Z', id: 42 }, batchId: batch.id, actor: 'node:table-extract:x', now: Date.now() }),
    );
  });
  after(() => store.close());

  it('lists the watermarks in camelCase with ISO times', async () => {
    const answer = await route('get', 'watermarks').handle(request({}), context);
    const { watermarks } = answer.body as { watermarks: Array<Record<string, unknown>> };
    assert.equal(answer.status, 200);
    assert.deepEqual(watermarks.map((row) => [row.extract, row.columns, row.value]), [['customers-to-crm', ['updated_at', 'id'], { updated_at: '2026-11-30T10:00:00Z', id: 42 }]]);
    assert.ok(Date.parse(String(watermarks[0].updatedAt)) > 0);
  });

  it('resets one, recording the old value and the editor user', async () => {
    const answer = await route('post', 'watermarks/:extract/reset').handle(request({ params: { extract: 'customers-to-crm' }, body: { reason: 'the CRM lost its data' } }), context);
    assert.equal(answer.status, 200);
    assert.deepEqual((answer.body as { watermark: { value: unknown; updatedBy: string } }).watermark.value, null);
    const [event] = await listEvents(store, { entity: 'watermark', entityId: 'customers-to-crm' });
    assert.deepEqual([event.action, event.actor], ['watermark-reset', 'alice']);
    assert.deepEqual(JSON.parse(event.detail!).before, { updated_at: '2026-11-30T10:00:00Z', id: 42 });
    assert.equal(JSON.parse(event.detail!).reason, 'the CRM lost its data');
  });

  it('refuses an unknown extract, a bad name and an unknown field, changing nothing', async () => {
    const reset = route('post', 'watermarks/:extract/reset');
    const events = (await listEvents(store, { entity: 'watermark' })).length;
    await assert.rejects(reset.handle(request({ params: { extract: 'no-such-extract' } }), context), /does not exist/);
    await assert.rejects(reset.handle(request({ params: { extract: '' } }), context), /not an extract name/);
    await assert.rejects(reset.handle(request({ params: { extract: 'customers-to-crm' }, body: { value: 1 } }), context), /does not take "value"/);
    assert.equal((await listEvents(store, { entity: 'watermark' })).length, events);
  });
});
