import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NotFoundError } from '../../../lib/errors';
import { findWatermark, listEvents, listWatermarks, parkExtractedBatch, resetWatermark, WatermarkMovedError, type Store } from '../../../lib/store';
import { describeEachDatabase, withFreshStore } from '../../support/stores';

const batch = (fileName: string) => ({ kind: 'file' as const, groupType: 'customers', fileName, folder: '/data/processing', sha256: 'a'.repeat(64), size: 10, actor: 'extract' });

async function batchCount(store: Store): Promise<number> {
  const [{ count }] = await store.knex(store.tables.batch).count({ count: '*' });
  return Number(count);
}

describeEachDatabase('watermarks in the batch store', (kind) => {
  it('parks the batch with format jsonl and moves the watermark in one transaction', () =>
    withFreshStore(kind, async (store) => {
      const first = await parkExtractedBatch(store, { batch: batch('a.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns: ['updated_at', 'id'], from: null, to: { updated_at: '2026-11-30T10:00:00Z', id: 4 } } });
      assert.equal(first.format, 'jsonl');
      assert.equal(first.status, 'NEW');
      const second = await parkExtractedBatch(store, { batch: batch('b.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns: ['updated_at', 'id'], from: { updated_at: '2026-11-30T10:00:00Z', id: 4 }, to: { updated_at: '2026-11-30T11:00:00Z', id: 2 } } });
      const stored = await findWatermark(store, 'x');
      assert.deepEqual(stored?.value, { updated_at: '2026-11-30T11:00:00Z', id: 2 });
      assert.equal(stored?.batch_id, second.id);
      assert.deepEqual((await listWatermarks(store)).map((row) => row.extract), ['x']);
      const [registered] = await listEvents(store, { entity: 'batch', entityId: second.id });
      assert.equal(registered.action, 'registered');
    }));

  it('refuses to move a watermark another run moved meanwhile: its batch is not parked', () =>
    withFreshStore(kind, async (store) => {
      const columns = ['id'];
      await parkExtractedBatch(store, { batch: batch('a.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns, from: null, to: { id: 10 } } });
      // A second run that also started from "no watermark" read the same rows.
      await assert.rejects(
        parkExtractedBatch(store, { batch: batch('b.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns, from: null, to: { id: 10 } } }),
        WatermarkMovedError,
      );
      await assert.rejects(
        parkExtractedBatch(store, { batch: batch('c.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns, from: { id: 3 }, to: { id: 12 } } }),
        WatermarkMovedError,
      );
      assert.equal(await batchCount(store), 1, 'the refused batches were rolled back with their watermark');
      assert.deepEqual((await findWatermark(store, 'x'))?.value, { id: 10 });
    }));

  it('resets a watermark with who and the old value in the audit trail; an unknown one is not found', () =>
    withFreshStore(kind, async (store) => {
      await parkExtractedBatch(store, { batch: batch('a.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns: ['id'], from: null, to: { id: 10 } } });
      const reset = await resetWatermark(store, { extract: 'x', actor: 'alice' });
      assert.equal(reset.value, null);
      assert.equal(reset.updated_by, 'alice');
      const events = await listEvents(store, { entityId: 'x' });
      assert.deepEqual(events.map((event) => [event.entity, event.action, event.actor]), [['watermark', 'watermark-reset', 'alice']]);
      assert.deepEqual(JSON.parse(events[0].detail ?? '{}'), { columns: ['id'], before: { id: 10 }, beforeBatchId: 1, after: null });
      // After a reset the next run starts from nothing again.
      await parkExtractedBatch(store, { batch: batch('b.jsonl'), format: 'jsonl', watermark: { extract: 'x', columns: ['id'], from: null, to: { id: 3 } } });
      assert.deepEqual((await findWatermark(store, 'x'))?.value, { id: 3 });
      await assert.rejects(resetWatermark(store, { extract: 'nope', actor: 'alice' }), NotFoundError);
    }));

  it('a batch parked the first-wave way is CSV by default', () =>
    withFreshStore(kind, async (store) => {
      const id = (await store.knex(store.tables.batch).insert({ group_type: 'g', kind: 'payload', payload: '{}', status: 'NEW', status_time: 1, parked_until: 1, created_at: 1, updated_at: 1 }).returning('id'))[0];
      const row = await store.knex(store.tables.batch).where('id', typeof id === 'object' ? id.id : id).first();
      assert.equal(row.format, 'csv');
    }));
});
