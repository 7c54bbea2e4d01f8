import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MAX_STORED_TEXT_CHARS } from '../../../lib/store/bounded-text';
import { changeBatchStatus, claimBatches, getErrorPayload, listEvents, registerBatch, writeCheckpointWindow, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

const OWNER = 'runtime-bounded';

describeEachDatabase('stored texts are bounded', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('a huge row error, error detail, batch error and event reason are stored cut, with their length', async () => {
    const huge = `HTTP 500: ${'<html>'.repeat(200_000)}`;
    const registered = await registerBatch(store, {
      groupType: 'bounded',
      groupId: null,
      kind: 'file',
      fileName: 'bank.csv',
      folder: '/data/processing',
      sha256: 'b'.repeat(64),
      size: 10,
      status: 'NEW',
      actor: 'test',
    });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'bounded' });
    assert.equal(claimed.id, registered.id);
    await changeBatchStatus(store, { id: claimed.id, to: 'PROCESSING', action: 'processing', actor: OWNER, leaseOwner: OWNER, patch: { total_rows: 1 } });
    const original = JSON.stringify({ note: 'z'.repeat(100_000) });
    await writeCheckpointWindow(store, {
      batchId: claimed.id,
      groupType: 'bounded',
      groupId: null,
      owner: OWNER,
      checkpointRow: 1,
      processed: 1,
      succeeded: 0,
      failed: 1,
      failures: [{ rowNumber: 1, payload: original, originalPayload: original, idempotencyKey: `bsync-${claimed.id}-1`, errorKind: 'permanent', httpStatus: 500, error: huge, errorDetail: huge }],
      resolvedRows: [],
      leaseUntil: Date.now() + 60_000,
    });
    const failed = await changeBatchStatus(store, {
      id: claimed.id,
      to: 'FAILED',
      action: 'failed',
      actor: OWNER,
      leaseOwner: OWNER,
      reason: huge,
      patch: { error: huge, lease_owner: null, lease_until: null },
    });

    assert.ok(failed.error!.length <= MAX_STORED_TEXT_CHARS, `batch error of ${failed.error!.length} characters`);
    assert.match(failed.error!, new RegExp(`^HTTP 500: <html>.*${huge.length} characters in all\\]$`, 's'));
    const [row] = (await store.knex(store.tables.errorPayload).where('batch_id', claimed.id).select('id')) as { id: number }[];
    const errorPayload = await getErrorPayload(store, Number(row.id));
    assert.ok(errorPayload.error!.length <= MAX_STORED_TEXT_CHARS);
    assert.ok(errorPayload.error_detail!.length <= MAX_STORED_TEXT_CHARS);
    assert.match(errorPayload.error_detail!, /characters in all\]$/);
    assert.equal(errorPayload.original_payload, original, 'the row itself is data, kept whole');
    const events = await listEvents(store, { batchId: claimed.id });
    assert.ok(events.length >= 3);
    for (const event of events) {
      assert.ok((event.detail ?? '').length <= MAX_STORED_TEXT_CHARS, `event ${event.action}: ${(event.detail ?? '').length} characters`);
      if (event.detail) JSON.parse(event.detail);
    }
  });
});
