import type { Knex } from 'knex';
import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import type { BatchRow } from '../tables';
import { forUpdate } from '../transaction';
import type { ErrorPayloadState } from './error-payload-transitions';
import { holdForReplay, replayHolds } from './replay-holds';

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
  const { mine, holderOf } = await replayHolds(trx, store, replay);
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
  await holdForReplay(store, trx, released, replay, { actor: hold.actor, now: hold.now, reason: `replay batch ${replay.id} was retried` });
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
