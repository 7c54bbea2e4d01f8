import type { Knex } from 'knex';
import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { BatchRow, EventAction } from '../tables';
import { forUpdate } from '../transaction';
import { moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';
import { heldReplayId } from './release-held-copies';

const HELD_BY_REPLAY = 'held-by-replay' satisfies EventAction;

export interface HeldCopiesHold {
  /** The admin who retried the replay. */
  actor: string;
  now: number;
}

type ParentCopy = ErrorPayloadState & { row_number: number; lease_owner: string | null };

/**
 * A retried replay sends its file's rows again, so it takes hold again of the parent's error payloads it
 * held once and gave back (cancelled, or its file unread): NEW → RESUBMITTED, no lease, a `held-by-replay`
 * event each, in the retry's transaction. Its outcome then settles them, and a row failing again is open
 * once, in the replay. A copy still held by this replay (the replay has its own error payload of the row)
 * and a RESOLVED or DISCARDED one are left as they are.
 *
 * A copy that is open somewhere else refuses the retry: held by another replay of the parent (the retry
 * would send the row alongside it, and a failure in both would be open twice), marked READY (a correction
 * waiting for its resend, which the replay's original row would overtake), or claimed by the errors-mode
 * dispatcher. Returns the error payloads held again.
 */
export async function holdCopiesAgain(store: Store, trx: Knex.Transaction, replay: BatchRow, hold: HeldCopiesHold): Promise<number[]> {
  if (replay.parent_batch_id === null) return [];
  const { mine, holderOf } = await heldCopies(trx, store, replay);
  if (mine.length === 0) return [];
  const copies: ParentCopy[] = [];
  for (let start = 0; start < mine.length; start += 500) {
    const rows = (await forUpdate(
      store,
      trx(store.tables.errorPayload).select('id', 'batch_id', 'status', 'row_number', 'lease_owner').whereIn('id', mine.slice(start, start + 500)),
    )) as ParentCopy[];
    for (const row of rows) copies.push({ ...row, id: Number(row.id), batch_id: Number(row.batch_id), row_number: Number(row.row_number) });
  }
  copies.sort((a, b) => a.row_number - b.row_number);
  assertOpenNowhereElse(replay, copies, holderOf);

  const released = copies.filter((copy) => copy.status === 'NEW');
  if (released.length === 0) return [];
  await moveErrorPayloads(store, trx, released, 'RESUBMITTED', { status_time: hold.now, lease_owner: null, lease_until: null });
  await recordEvents(
    store,
    trx,
    released.map((copy) => ({
      entity: 'error_payload' as const,
      entityId: copy.id,
      batchId: copy.batch_id,
      action: HELD_BY_REPLAY,
      fromStatus: 'NEW' as const,
      toStatus: 'RESUBMITTED' as const,
      actor: hold.actor,
      detail: {
        replayBatchId: replay.id,
        reason: `replay batch ${replay.id} was retried`,
        before: { status: 'NEW' },
        after: { status: 'RESUBMITTED', replayBatchId: replay.id },
      },
      at: hold.now,
    })),
  );
  return released.map((copy) => copy.id);
}

function assertOpenNowhereElse(replay: BatchRow, copies: readonly ParentCopy[], holderOf: ReadonlyMap<number, number>): void {
  const refuse = (what: string) =>
    new InvalidRequestError(`batch ${replay.id} cannot be retried: ${what}`, { batchId: replay.id });
  const heldElsewhere = copies.filter((copy) => copy.status === 'RESUBMITTED' && copy.lease_owner === null && holderOf.get(copy.id) !== replay.id);
  if (heldElsewhere.length > 0) {
    const other = holderOf.get(heldElsewhere[0].id);
    throw refuse(
      `replay batch ${other} of batch ${replay.parent_batch_id} now holds ${heldElsewhere.length} of its rows (row ${heldElsewhere[0].row_number} first); each failed row is open in one place, so follow that replay instead`,
    );
  }
  const busy = copies.find((copy) => copy.status === 'READY' || (copy.status === 'RESUBMITTED' && copy.lease_owner !== null));
  if (busy) {
    const state = busy.status === 'READY' ? 'is READY (its correction waits to be resent): resend or discard it first' : 'is being resent: let that resend finish first';
    throw refuse(`row ${busy.row_number} of batch ${replay.parent_batch_id} ${state}`);
  }
}

/** The parent's error payloads this replay took hold of, and which replay holds each of them last. */
async function heldCopies(trx: Knex.Transaction, store: Store, replay: BatchRow): Promise<{ mine: number[]; holderOf: Map<number, number> }> {
  const events = (await trx(store.tables.event)
    .where({ entity: 'error_payload', batch_id: replay.parent_batch_id, action: HELD_BY_REPLAY })
    .orderBy('id')
    .select('entity_id', 'detail')) as { entity_id: string; detail: string | null }[];
  const mine = new Set<number>();
  const holderOf = new Map<number, number>();
  for (const event of events) {
    const holder = heldReplayId(event.detail);
    if (holder === undefined) continue;
    const copy = Number(event.entity_id);
    holderOf.set(copy, holder);
    if (holder === replay.id) mine.add(copy);
  }
  return { mine: [...mine], holderOf };
}
