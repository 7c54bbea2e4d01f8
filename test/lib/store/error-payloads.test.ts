import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidRequestError, InvalidTransitionError } from '../../../lib/errors';
import {
  changeBatchStatus,
  claimBatches,
  claimErrorPayloads,
  correctErrorPayload,
  discardErrorPayload,
  fixStatistics,
  getBatch,
  getErrorPayload,
  getErrorPayloadDetail,
  listErrorPayloads,
  listEvents,
  markErrorPayloadReady,
  markErrorPayloadsReady,
  registerBatch,
  retryBatch,
  settleErrorPayload,
  writeCheckpointWindow,
  type Store,
} from '../../../lib/store';
import { failedBatch, OWNER } from '../corrections/failed-batch';
import { describeEachDatabase, openTestStore } from '../../support/stores';

describeEachDatabase('error payload store operations', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('lists error payloads by batch, status, group and error kind, paged, with the total', async () => {
    const { batch } = await failedBatch(store, {
      totalRows: 6,
      groupType: 'payroll-list',
      groupId: 'acme',
      failures: [{ row: 1, errorKind: 'validation' }, { row: 2 }, { row: 4 }, { row: 6, errorKind: 'validation' }],
    });
    const other = await failedBatch(store, { totalRows: 2, groupType: 'payroll-list', groupId: 'globex', failures: [{ row: 2 }] });
    await markErrorPayloadReady(store, { id: (await listErrorPayloads(store, { batchId: batch.id })).errorPayloads[1].id, actor: 'alice' });

    const all = await listErrorPayloads(store, { groupType: 'payroll-list' });
    assert.equal(all.total, 5);
    assert.deepEqual(all.errorPayloads.map((p) => [p.batch_id, p.row_number]), [[batch.id, 1], [batch.id, 2], [batch.id, 4], [batch.id, 6], [other.batch.id, 2]]);
    assert.deepEqual((await listErrorPayloads(store, { batchId: batch.id, errorKind: 'validation' })).errorPayloads.map((p) => p.row_number), [1, 6]);
    assert.deepEqual((await listErrorPayloads(store, { batchId: batch.id, status: 'READY' })).errorPayloads.map((p) => p.row_number), [2]);
    assert.deepEqual((await listErrorPayloads(store, { groupType: 'payroll-list', groupId: 'globex' })).errorPayloads.map((p) => p.batch_id), [other.batch.id]);
    const page = await listErrorPayloads(store, { groupType: 'payroll-list', limit: 2, offset: 2 });
    assert.deepEqual([page.total, page.limit, page.offset, page.errorPayloads.map((p) => p.row_number)], [5, 2, 2, [4, 6]]);
  });

  it('gets an error payload with its whole history: the row failing, then every action on it', async () => {
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 3, failures: [{ row: 2 }] });
    const [failed] = errorPayloads;
    await correctErrorPayload(store, { id: failed.id, payload: '{"employeeNumber":"1002","iban":"DE89370400440532013000"}', actor: 'alice' });
    await markErrorPayloadReady(store, { id: failed.id, actor: 'bob' });

    const detail = await getErrorPayloadDetail(store, failed.id);
    assert.equal(detail.errorPayload.status, 'READY');
    assert.deepEqual(
      detail.events.map((event) => [event.action, event.entity_id, event.actor]),
      [['row-failed', String(failed.id), OWNER], ['corrected', String(failed.id), 'alice'], ['ready', String(failed.id), 'bob']],
    );
    assert.deepEqual([detail.batchStatistics.batchId, detail.batchStatistics.failed, detail.batchStatistics.open], [batch.id, 1, 1]);
  });

  it('corrects the payload of a NEW or READY row, keeps the original and records before and after', async () => {
    const { errorPayloads } = await failedBatch(store, { totalRows: 2, failures: [{ row: 1 }] });
    const [failed] = errorPayloads;
    const corrected = await correctErrorPayload(store, { id: failed.id, payload: '{"employeeNumber":1001}', actor: 'alice', now: 77 });
    assert.equal(corrected.payload, '{"employeeNumber":1001}');
    assert.equal(corrected.original_payload, failed.original_payload, 'the original row is never changed');
    assert.equal(corrected.status, 'NEW', 'correcting is not marking READY');
    const [event] = (await listEvents(store, { entity: 'error_payload', entityId: failed.id })).filter((e) => e.action === 'corrected');
    assert.deepEqual(JSON.parse(event.detail!), { before: { payload: failed.payload }, after: { payload: '{"employeeNumber":1001}' } });
    assert.equal(event.created_at, 77);
  });

  it('refuses to correct an error payload that is in flight or settled', async () => {
    const { errorPayloads } = await failedBatch(store, { totalRows: 2, failures: [{ row: 1 }, { row: 2 }] });
    await discardErrorPayload(store, { id: errorPayloads[0].id, reason: 'employee left', actor: 'alice' });
    await assert.rejects(
      correctErrorPayload(store, { id: errorPayloads[0].id, payload: '{}', actor: 'alice' }),
      (error: Error) => error instanceof InvalidTransitionError && /is DISCARDED: only NEW or READY error payloads can be corrected/.test(error.message),
    );
  });

  it('marks one NEW error payload READY, leaves a READY one as it is, and refuses RESUBMITTED, RESOLVED and DISCARDED', async () => {
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 4, groupType: 'ready-one', failures: [{ row: 1 }, { row: 2 }, { row: 3 }, { row: 4 }] });
    const [a, b, c, d] = errorPayloads;
    const ready = await markErrorPayloadReady(store, { id: a.id, actor: 'alice', reason: 'IBAN checked' });
    assert.equal(ready.status, 'READY');
    await markErrorPayloadReady(store, { id: a.id, actor: 'alice' });
    const readyEvents = (await listEvents(store, { entity: 'error_payload', entityId: a.id })).filter((e) => e.action === 'ready');
    assert.equal(readyEvents.length, 1, 'asking twice changes nothing and records nothing twice');
    assert.deepEqual([readyEvents[0].from_status, readyEvents[0].to_status, JSON.parse(readyEvents[0].detail!).reason], ['NEW', 'READY', 'IBAN checked']);

    await markErrorPayloadReady(store, { id: b.id, actor: 'alice' });
    const claimed = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 2, groupType: 'ready-one' });
    assert.deepEqual(claimed.map((p) => p.id), [a.id, b.id]);
    await settleErrorPayload(store, a.id, OWNER, { delivered: true, httpStatus: 200 });
    await discardErrorPayload(store, { id: c.id, reason: 'duplicate employee', actor: 'alice' });

    for (const [id, status] of [[a.id, 'RESOLVED'], [b.id, 'RESUBMITTED'], [c.id, 'DISCARDED']] as const) {
      await assert.rejects(markErrorPayloadReady(store, { id, actor: 'alice' }), (error: Error) => {
        assert.ok(error instanceof InvalidTransitionError);
        assert.equal(error.message, `error payload ${id} is ${status}: only a NEW error payload can be marked READY`);
        assert.equal(error.batchId, batch.id);
        return true;
      });
    }
    assert.equal((await getErrorPayload(store, d.id)).status, 'NEW');
  });

  it('marks every NEW error payload a filter selects READY, each with its event, and refuses an empty filter', async () => {
    const { batch, errorPayloads } = await failedBatch(store, {
      totalRows: 5,
      failures: [{ row: 1, errorKind: 'validation' }, { row: 2 }, { row: 3 }, { row: 5 }],
    });
    await discardErrorPayload(store, { id: errorPayloads[2].id, reason: 'not ours', actor: 'alice' });
    const result = await markErrorPayloadsReady(store, { filter: { batchId: batch.id, errorKind: 'permanent' }, actor: 'bob' });
    assert.deepEqual(result, { ids: [errorPayloads[1].id, errorPayloads[3].id], count: 2 });
    const statuses = (await listErrorPayloads(store, { batchId: batch.id })).errorPayloads.map((p) => p.status);
    assert.deepEqual(statuses, ['NEW', 'READY', 'DISCARDED', 'READY']);
    const events = (await listEvents(store, { batchId: batch.id })).filter((e) => e.action === 'ready');
    assert.deepEqual(events.map((e) => [e.entity_id, e.actor]), [[String(errorPayloads[1].id), 'bob'], [String(errorPayloads[3].id), 'bob']]);
    await assert.rejects(markErrorPayloadsReady(store, { filter: {}, actor: 'bob' }), InvalidRequestError);
  });

  it('discards with a reason only, and closes the FAILED batch once its last failed row is settled', async () => {
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 3, failures: [{ row: 1 }, { row: 3 }] });
    await assert.rejects(discardErrorPayload(store, { id: errorPayloads[0].id, reason: '  ', actor: 'alice' }), /needs a reason/);
    const discarded = await discardErrorPayload(store, { id: errorPayloads[0].id, reason: 'employee left', actor: 'alice' });
    assert.equal(discarded.status, 'DISCARDED');
    assert.equal((await getBatch(store, batch.id)).status, 'FAILED', 'one failed row is still open');
    await assert.rejects(discardErrorPayload(store, { id: errorPayloads[0].id, reason: 'again', actor: 'alice' }), InvalidTransitionError);

    await markErrorPayloadReady(store, { id: errorPayloads[1].id, actor: 'alice' });
    await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type });
    await settleErrorPayload(store, errorPayloads[1].id, OWNER, { delivered: true, httpStatus: 201 });

    const closed = await getBatch(store, batch.id);
    assert.equal(closed.status, 'PROCESSED');
    assert.equal(closed.error, null);
    const last = (await listEvents(store, { entity: 'batch', entityId: batch.id })).at(-1)!;
    assert.deepEqual([last.action, last.from_status, last.to_status, last.actor], ['all-failed-rows-settled', 'FAILED', 'PROCESSED', OWNER]);
    assert.match(JSON.parse(last.detail!).reason, /all 2 failed rows were settled: 1 resolved, 1 discarded/);
  });

  it('never closes a batch whose file could not be read to the end, whatever its error payloads', async () => {
    // A retry found the file gone: FAILED with the checkpoint at 0, its earlier failed rows still stored.
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 3, failures: [{ row: 2 }] });
    await retryBatch(store, { id: batch.id, actor: 'alice' });
    await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type });
    await changeBatchStatus(store, { id: batch.id, to: 'FAILED', action: 'failed', actor: OWNER, reason: 'file bank.csv is not in /data/failed' });
    await discardErrorPayload(store, { id: errorPayloads[0].id, reason: 'test', actor: 'alice' });
    assert.equal((await getBatch(store, batch.id)).status, 'FAILED');
  });

  it('a row a replay batch delivers is resolved in the batch it came from, which closes when nothing is left open', async () => {
    const { batch: parent, errorPayloads } = await failedBatch(store, { totalRows: 10, failures: [{ row: 3 }, { row: 5 }, { row: 7 }] });
    const [row3, row5, row7] = errorPayloads;
    await markErrorPayloadReady(store, { id: row5.id, actor: 'alice' });
    const replay = await registerBatch(store, {
      groupType: parent.group_type, kind: 'file', fileName: 'bank.replay.csv', folder: '/p', parentBatchId: parent.id, status: 'RETRY', actor: 'alice',
    });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parent.group_type });
    assert.equal(claimed.id, replay.id);
    await changeBatchStatus(store, { id: replay.id, to: 'PROCESSING', action: 'processing', actor: OWNER, leaseOwner: OWNER, patch: { total_rows: 3 } });

    // Replay rows 1 and 2 (origin rows 3 and 5) are delivered; row 3 (origin row 7) fails again.
    await writeCheckpointWindow(store, {
      batchId: replay.id, groupType: parent.group_type, groupId: null, owner: OWNER, checkpointRow: 3, processed: 3, succeeded: 2, failed: 1,
      failures: [{ rowNumber: 3, payload: null, originalPayload: row7.original_payload, idempotencyKey: row7.idempotency_key, errorKind: 'permanent', error: 'still rejected' }],
      resolvedRows: [],
      succeededKeys: [row3.idempotency_key, row5.idempotency_key],
      leaseUntil: Date.now() + 60_000,
    });
    assert.deepEqual(
      (await listErrorPayloads(store, { batchId: parent.id })).errorPayloads.map((p) => [p.row_number, p.status]),
      [[3, 'RESOLVED'], [5, 'RESOLVED'], [7, 'NEW']],
    );
    assert.equal((await getBatch(store, parent.id)).status, 'FAILED');
    const [lineageEvent] = (await listEvents(store, { entity: 'error_payload', entityId: row5.id })).filter((e) => e.action === 'resolved-in-lineage');
    assert.deepEqual([lineageEvent.from_status, lineageEvent.to_status, JSON.parse(lineageEvent.detail!).by], ['READY', 'RESOLVED', { batchId: replay.id }]);

    // The replay's own failure of origin row 7 is resent and delivered: the parent's copy follows, and the parent closes.
    await changeBatchStatus(store, { id: replay.id, to: 'FAILED', action: 'failed', actor: OWNER, leaseOwner: OWNER, patch: { lease_owner: null, lease_until: null } });
    const [replayFailure] = (await listErrorPayloads(store, { batchId: replay.id })).errorPayloads;
    await markErrorPayloadReady(store, { id: replayFailure.id, actor: 'alice' });
    await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parent.group_type });
    await settleErrorPayload(store, replayFailure.id, OWNER, { delivered: true, httpStatus: 200 });

    assert.equal((await getErrorPayload(store, row7.id)).status, 'RESOLVED');
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
    assert.equal((await getBatch(store, replay.id)).status, 'PROCESSED');
    const statistics = (await fixStatistics(store, [parent.id, replay.id]));
    const parentStatistics = statistics.get(parent.id)!;
    assert.deepEqual(
      [parentStatistics.failed, parentStatistics.open, parentStatistics.resolved, parentStatistics.discarded, parentStatistics.settledThroughLineage, parentStatistics.replayBatchIds],
      [3, 0, 3, 0, 3, [replay.id]],
    );
    assert.deepEqual([statistics.get(replay.id)!.failed, statistics.get(replay.id)!.resolved, statistics.get(replay.id)!.settledThroughLineage], [1, 1, 0]);
  });

  it('leaves a row being resent alone when a replay delivers it: its own resend settles it', async () => {
    const { batch: parent, errorPayloads } = await failedBatch(store, { totalRows: 2, failures: [{ row: 2 }] });
    const [row2] = errorPayloads;
    await markErrorPayloadReady(store, { id: row2.id, actor: 'alice' });
    await claimErrorPayloads(store, { owner: 'other-runtime', leaseMs: 60_000, limit: 1, groupType: parent.group_type });

    const replay = await registerBatch(store, { groupType: parent.group_type, kind: 'file', fileName: 'r.csv', folder: '/p', parentBatchId: parent.id, status: 'RETRY', actor: 'alice' });
    await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parent.group_type });
    await changeBatchStatus(store, { id: replay.id, to: 'PROCESSING', action: 'processing', actor: OWNER, leaseOwner: OWNER, patch: { total_rows: 1 } });
    await writeCheckpointWindow(store, {
      batchId: replay.id, groupType: parent.group_type, groupId: null, owner: OWNER, checkpointRow: 1, processed: 1, succeeded: 1, failed: 0,
      failures: [], resolvedRows: [], succeededKeys: [row2.idempotency_key], leaseUntil: Date.now() + 60_000,
    });
    assert.equal((await getErrorPayload(store, row2.id)).status, 'RESUBMITTED', 'the runtime resending it still holds it');
    await settleErrorPayload(store, row2.id, 'other-runtime', { delivered: true, httpStatus: 200 });
    assert.equal((await getErrorPayload(store, row2.id)).status, 'RESOLVED');
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
  });

  it('discarding a row discards its open copies in the rest of the lineage', async () => {
    const { batch: parent, errorPayloads: parentRows } = await failedBatch(store, { totalRows: 4, failures: [{ row: 4 }] });
    const { batch: replay, errorPayloads: replayRows } = await failedBatch(store, {
      totalRows: 1, groupType: parent.group_type, parentBatchId: parent.id, failures: [{ row: 1, key: parentRows[0].idempotency_key }],
    });
    await discardErrorPayload(store, { id: replayRows[0].id, reason: 'employee left the company', actor: 'carol' });
    const parentRow = await getErrorPayload(store, parentRows[0].id);
    assert.equal(parentRow.status, 'DISCARDED');
    const [event] = (await listEvents(store, { entity: 'error_payload', entityId: parentRow.id })).filter((e) => e.action === 'discarded-in-lineage');
    assert.deepEqual([event.actor, JSON.parse(event.detail!).reason], ['carol', 'employee left the company']);
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
    assert.equal((await getBatch(store, replay.id)).status, 'PROCESSED');
  });
});
