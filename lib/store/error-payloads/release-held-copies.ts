import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { BatchRow, EventAction } from '../tables';
import { forUpdate } from '../transaction';
import { moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';
import { replayHolds } from './replay-holds';

const RELEASED_BY_REPLAY = 'released-by-replay' satisfies EventAction;

export interface HeldCopiesRelease {
  /** Who ended the replay: the admin who cancelled it, or the processor that could not read its file. */
  actor: string;
  /** Why, for the audit trail: the replay was cancelled, or its file could not be read. */
  reason: string;
  now: number;
}

/**
 * A replay batch holds its parent's error payloads RESUBMITTED (no lease) until its outcome settles them.
 * When it ends with no outcome for a row (cancelled, or FAILED without reading its file), the parent's
 * copy goes back to NEW, so the failure is on the open list again instead of held by a replay that will
 * not settle it. A row the replay has an error payload of (an earlier run of the replay read it) keeps
 * that one as its open item and its copy stays held. Runs inside the caller's transaction, the one that
 * ended the replay; returns the error payloads released.
 */
export async function releaseHeldCopies(store: Store, trx: Knex.Transaction, replay: BatchRow, release: HeldCopiesRelease): Promise<number[]> {
  if (replay.parent_batch_id === null) return [];
  const heldHere = (await replayHolds(trx, store, replay)).mine;
  if (heldHere.length === 0) return [];
  const settledHere = new Set(
    ((await trx(store.tables.errorPayload).where('batch_id', replay.id).select('idempotency_key')) as { idempotency_key: string }[]).map((row) => row.idempotency_key),
  );
  const held: (ErrorPayloadState & { idempotency_key: string })[] = [];
  for (let start = 0; start < heldHere.length; start += 500) {
    const rows = (await forUpdate(
      store,
      trx(store.tables.errorPayload)
        .select('id', 'batch_id', 'status', 'idempotency_key')
        .whereIn('id', heldHere.slice(start, start + 500))
        .where('status', 'RESUBMITTED')
        .whereNull('lease_owner'),
    )) as (ErrorPayloadState & { idempotency_key: string })[];
    for (const row of rows) if (!settledHere.has(row.idempotency_key)) held.push({ ...row, id: Number(row.id), batch_id: Number(row.batch_id) });
  }
  if (held.length === 0) return [];
  await moveErrorPayloads(store, trx, held, 'NEW', { status_time: release.now, lease_owner: null, lease_until: null });
  await recordEvents(
    store,
    trx,
    held.map((payload) => ({
      entity: 'error_payload' as const,
      entityId: payload.id,
      batchId: payload.batch_id,
      action: RELEASED_BY_REPLAY,
      fromStatus: 'RESUBMITTED' as const,
      toStatus: 'NEW' as const,
      actor: release.actor,
      detail: {
        replayBatchId: replay.id,
        reason: release.reason,
        before: { status: 'RESUBMITTED', replayBatchId: replay.id },
        after: { status: 'NEW', replayBatchId: null },
      },
      at: release.now,
    })),
  );
  return held.map((payload) => payload.id);
}
