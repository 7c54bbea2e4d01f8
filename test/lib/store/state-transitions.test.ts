// The state tables of DESIGN.md are the only authority over statuses: every pair of statuses is tried
// through the store operation that makes the target status, and each is allowed or refused exactly as
// the table says, the bulk operations (claims) included. A refused change writes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { replayFailedRows } from '../../../lib/corrections';
import { InvalidTransitionError } from '../../../lib/errors';
import { settleSameRowElsewhere } from '../../../lib/store/error-payloads/settle-same-row';
import {
  BATCH_STATUSES,
  canBecome,
  canErrorPayloadBecome,
  changeBatchStatus,
  claimBatches,
  claimErrorPayloads,
  discardErrorPayload,
  ERROR_PAYLOAD_STATUSES,
  getBatch,
  getErrorPayload,
  listEvents,
  markErrorPayloadReady,
  registerBatch,
  settleErrorPayload,
  type BatchStatus,
  type ErrorPayloadRow,
  type ErrorPayloadStatus,
  type EventAction,
  type Store,
  writeTransaction,
} from '../../../lib/store';
import { failedBatch, OWNER } from '../corrections/failed-batch';
import { describeEachDatabase, openTestStore } from '../../support/stores';

/** The audit word for a change to each status. */
const BATCH_ACTION: Record<BatchStatus, EventAction> = {
  NEW: 'registered',
  SUBMITTED: 'claimed',
  PROCESSING: 'processing',
  PROCESSED: 'processed',
  FAILED: 'failed',
  ERROR_RETRY: 'released',
  RETRY: 'retry',
  CANCELLED: 'cancel',
};

const REPLAY_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-states-'));

/**
 * Transitions that only the lineage makes: a replay holds its parent's NEW rows (NEW → RESUBMITTED, no
 * lease), and a discard elsewhere in the lineage settles a held copy (RESUBMITTED → DISCARDED).
 */
const LINEAGE_OPERATION: Partial<Record<`${ErrorPayloadStatus} → ${ErrorPayloadStatus}`, (store: Store, payload: ErrorPayloadRow) => Promise<unknown>>> = {
  'NEW → RESUBMITTED': (store, payload) =>
    replayFailedRows(store, { batchId: payload.batch_id, processingFolder: REPLAY_FOLDER, actor: 'alice' }),
  'RESUBMITTED → DISCARDED': async (store, payload) => {
    await store.knex(store.tables.errorPayload).where('id', payload.id).update({ lease_owner: null, lease_until: null });
    return writeTransaction(store, (trx) =>
      settleSameRowElsewhere(store, trx, { keys: [payload.idempotency_key], to: 'DISCARDED', actor: 'alice', cause: { batchId: payload.batch_id }, now: Date.now() }),
    );
  },
};

/** The store operation that makes an error payload `to` (a resend's outcome for RESOLVED and NEW). */
const ERROR_PAYLOAD_OPERATION: Record<ErrorPayloadStatus, (store: Store, payload: ErrorPayloadRow) => Promise<unknown>> = {
  READY: (store, payload) => markErrorPayloadReady(store, { id: payload.id, actor: 'alice' }),
  DISCARDED: (store, payload) => discardErrorPayload(store, { id: payload.id, actor: 'alice', reason: 'employee left' }),
  RESUBMITTED: (store, payload) => claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 5, groupType: payload.group_type }),
  RESOLVED: (store, payload) => settleErrorPayload(store, payload.id, OWNER, { delivered: true, httpStatus: 200 }),
  NEW: (store, payload) => settleErrorPayload(store, payload.id, OWNER, { delivered: false, errorKind: 'permanent', httpStatus: 422, error: 'still rejected' }),
};

let groups = 0;

describeEachDatabase('state tables', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
    fs.rmSync(REPLAY_FOLDER, { recursive: true, force: true });
  });

  /** A batch put straight into `status`, as the test's starting point (past its parking time and its lease). */
  async function batchIn(status: BatchStatus) {
    groups += 1;
    const batch = await registerBatch(store, { groupType: `states-${groups}`, kind: 'payload', payload: '{}', actor: 'test', now: 1_000 });
    await store.knex(store.tables.batch).where('id', batch.id).update({ status, parked_until: 1_000, lease_owner: OWNER, lease_until: 2_000 });
    return getBatch(store, batch.id);
  }

  it('changeBatchStatus allows every batch transition the table allows and refuses every other one', async () => {
    for (const from of BATCH_STATUSES) {
      for (const to of BATCH_STATUSES) {
        const batch = await batchIn(from);
        const eventsBefore = (await listEvents(store, { entity: 'batch', entityId: batch.id })).length;
        let refused: unknown;
        await changeBatchStatus(store, { id: batch.id, to, action: BATCH_ACTION[to], actor: 'test' }).catch((error) => (refused = error));
        const after = await getBatch(store, batch.id);
        const events = (await listEvents(store, { entity: 'batch', entityId: batch.id })).length;
        if (canBecome(from, to)) {
          assert.equal(refused, undefined, `${from} → ${to} is allowed`);
          assert.deepEqual([after.status, events], [to, eventsBefore + 1], `${from} → ${to}`);
        } else {
          assert.ok(refused instanceof InvalidTransitionError, `${from} → ${to} is refused`);
          assert.match(refused.message, new RegExp(`batch ${batch.id} is ${from}: it cannot become ${to}`));
          assert.deepEqual([after.status, events], [from, eventsBefore], `${from} → ${to} writes nothing`);
        }
      }
    }
  });

  it('a claim takes, of batches due in any status, only those the table lets become SUBMITTED, and refuses the rest', async () => {
    for (const from of BATCH_STATUSES) {
      const batch = await batchIn(from);
      // Asked for every status at once: the claim's own query lets them through, the table decides.
      const claiming = claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, statuses: BATCH_STATUSES, groupType: batch.group_type, now: 10_000 });
      if (canBecome(from, 'SUBMITTED')) {
        const [claimed] = await claiming;
        assert.deepEqual([claimed?.id, claimed?.status, claimed?.lease_owner], [batch.id, 'SUBMITTED', 'runtime-b'], `${from} → SUBMITTED`);
      } else {
        await assert.rejects(claiming, InvalidTransitionError, `${from} → SUBMITTED is refused`);
        assert.equal((await getBatch(store, batch.id)).status, from, `${from} is left as it was`);
      }
    }
  });

  it('every error payload transition is allowed or refused, through its store operation, as the table says', async () => {
    for (const from of ERROR_PAYLOAD_STATUSES) {
      for (const to of ERROR_PAYLOAD_STATUSES) {
        // Marking a READY payload READY again is no transition: the request is answered with it as it is.
        if (from === 'READY' && to === 'READY') continue;
        groups += 1;
        const { errorPayloads } = await failedBatch(store, { totalRows: 2, groupType: `payload-states-${groups}`, failures: [{ row: 2 }] });
        const [payload] = errorPayloads;
        // Held by this runtime, with a lease that ran out: every operation's other conditions are met.
        await store.knex(store.tables.errorPayload).where('id', payload.id).update({ status: from, lease_owner: OWNER, lease_until: 1 });
        const eventsBefore = (await listEvents(store, { entity: 'error_payload', entityId: payload.id })).length;
        let refused: unknown;
        const lineage = LINEAGE_OPERATION[`${from} → ${to}`];
        if (lineage) {
          // The operation an admin or a dispatcher would use still refuses it: a claim never takes a NEW
          // row, and a claimed (leased) RESUBMITTED row is on its way, not to be discarded.
          await ERROR_PAYLOAD_OPERATION[to](store, { ...payload, status: from }).catch(() => undefined);
          assert.equal((await getErrorPayload(store, payload.id)).status, from, `${from} → ${to} is not made by the ${to} operation`);
        }
        await (lineage ?? ERROR_PAYLOAD_OPERATION[to])(store, { ...payload, status: from }).catch((error) => (refused = error));
        const after = await getErrorPayload(store, payload.id);
        const events = (await listEvents(store, { entity: 'error_payload', entityId: payload.id })).length;
        if (canErrorPayloadBecome(from, to)) {
          assert.equal(refused, undefined, `${from} → ${to} is allowed`);
          assert.deepEqual([after.status, events], [to, eventsBefore + 1], `${from} → ${to}`);
        } else {
          assert.equal(after.status, from, `${from} → ${to} is refused`);
          assert.equal(events, eventsBefore, `${from} → ${to} records nothing`);
          // A claim refuses by not taking it; the other operations say why.
          if (to !== 'RESUBMITTED') assert.ok(refused instanceof InvalidTransitionError, `${from} → ${to}: ${String(refused)}`);
        }
      }
    }
  });
});
