import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidTransitionError } from '../../../lib/errors';
import { cancelBatch, changeBatchStatus, getBatch, listEvents, registerBatch, retryBatch, type BatchRow, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

/** A batch that went through a run: claimed, processed, and settled in `to` with some rows failed. */
async function settledBatch(store: Store, to: 'FAILED' | 'PROCESSED'): Promise<BatchRow> {
  const batch = await registerBatch(store, { groupType: 'payroll', kind: 'file', fileName: 'bank.csv', folder: '/p', sha256: 'f'.repeat(64), size: 10, actor: 'test', now: 1_000 });
  await changeBatchStatus(store, { id: batch.id, to: 'SUBMITTED', actor: 'dispatcher', action: 'claimed', patch: { lease_owner: 'rt', lease_until: 9_000 } });
  await changeBatchStatus(store, { id: batch.id, to: 'PROCESSING', actor: 'processor', action: 'processing', patch: { started_at: 2_000 } });
  return changeBatchStatus(store, {
    id: batch.id,
    to,
    actor: 'processor',
    action: to === 'FAILED' ? 'failed' : 'processed',
    patch: { total_rows: 5, processed_rows: 5, succeeded_rows: 3, failed_rows: 2, checkpoint_row: 5, error: '2 rows failed', finished_at: 3_000, lease_owner: null, lease_until: null },
  });
}

describeEachDatabase('admin actions on batches: retry and cancel', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('retries a FAILED batch: RETRY due now, progress and error wiped, the event names who asked and keeps the old counters', async () => {
    const failed = await settledBatch(store, 'FAILED');
    const retried = await retryBatch(store, { id: failed.id, actor: 'alice', reason: 'bank fixed the IBANs', now: 50_000 });
    assert.equal(retried.status, 'RETRY');
    assert.equal(retried.parked_until, 50_000);
    assert.equal(retried.status_time, 50_000);
    assert.deepEqual(
      [retried.checkpoint_row, retried.processed_rows, retried.succeeded_rows, retried.failed_rows, retried.error, retried.finished_at],
      [0, 0, 0, 0, null, null],
    );
    assert.equal(retried.total_rows, 5, 'the file is the same: its row count stays');
    const events = await listEvents(store, { entity: 'batch', entityId: failed.id });
    const last = events.at(-1)!;
    assert.deepEqual([last.action, last.from_status, last.to_status, last.actor], ['retry', 'FAILED', 'RETRY', 'alice']);
    const detail = JSON.parse(last.detail!);
    assert.equal(detail.reason, 'bank fixed the IBANs');
    assert.deepEqual(detail.changed.failed_rows, { before: 2, after: 0 });
  });

  it('retries PROCESSED and CANCELLED batches too', async () => {
    const processed = await settledBatch(store, 'PROCESSED');
    assert.equal((await retryBatch(store, { id: processed.id, actor: 'bob' })).status, 'RETRY');
    const parked = await registerBatch(store, { groupType: 'payroll', kind: 'payload', payload: '{}', actor: 'test' });
    await cancelBatch(store, { id: parked.id, actor: 'bob' });
    assert.equal((await retryBatch(store, { id: parked.id, actor: 'bob' })).status, 'RETRY');
  });

  it('cancels a NEW batch and records who asked', async () => {
    const parked = await registerBatch(store, { groupType: 'payroll', kind: 'payload', payload: '{}', actor: 'test' });
    const cancelled = await cancelBatch(store, { id: parked.id, actor: 'carol', now: 7_000 });
    assert.equal(cancelled.status, 'CANCELLED');
    const last = (await listEvents(store, { entity: 'batch', entityId: parked.id })).at(-1)!;
    assert.deepEqual([last.action, last.from_status, last.to_status, last.actor, last.created_at], ['cancel', 'NEW', 'CANCELLED', 'carol', 7_000]);
  });

  it('refuses to retry a NEW batch, saying which statuses can be retried, and writes nothing', async () => {
    const parked = await registerBatch(store, { groupType: 'payroll', kind: 'payload', payload: '{}', actor: 'test' });
    await assert.rejects(retryBatch(store, { id: parked.id, actor: 'alice' }), (error: unknown) => {
      assert.ok(error instanceof InvalidTransitionError);
      assert.equal(error.message, `batch ${parked.id} is NEW: only FAILED, PROCESSED or CANCELLED batches can be retried`);
      return true;
    });
    assert.deepEqual(await getBatch(store, parked.id), parked);
    assert.equal((await listEvents(store, { entity: 'batch', entityId: parked.id })).length, 1, 'only the registered event');
  });

  it('refuses to cancel a PROCESSED batch, saying which statuses can be cancelled, and writes nothing', async () => {
    const processed = await settledBatch(store, 'PROCESSED');
    const eventsBefore = await listEvents(store, { entity: 'batch', entityId: processed.id });
    await assert.rejects(cancelBatch(store, { id: processed.id, actor: 'alice' }), (error: unknown) => {
      assert.ok(error instanceof InvalidTransitionError);
      assert.equal(error.message, `batch ${processed.id} is PROCESSED: only NEW, ERROR_RETRY or RETRY batches can be cancelled`);
      return true;
    });
    assert.deepEqual(await getBatch(store, processed.id), processed);
    assert.deepEqual(await listEvents(store, { entity: 'batch', entityId: processed.id }), eventsBefore);
  });
});
