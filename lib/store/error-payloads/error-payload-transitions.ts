import type { Knex } from 'knex';
import { InvalidTransitionError } from '../../errors';
import type { Store } from '../open-store';
import type { ErrorPayloadStatus } from '../tables';

/**
 * The error payload state machine of DESIGN.md: which status may follow which. Every status write goes
 * through here, the bulk ones too (moveErrorPayloads). A row failing again while its payload is NEW is
 * no change of status (the payload keeps NEW, with the new error).
 */
const NEXT: Record<ErrorPayloadStatus, readonly ErrorPayloadStatus[]> = {
  // RESOLVED: the same row (same idempotency key) was delivered by a retry of its batch or elsewhere in its
  // lineage (a replay, the resend of a copy), so there is nothing left to send.
  // RESUBMITTED: the row went into a replay batch, which holds it (no lease) until the replay settles it.
  NEW: ['READY', 'RESUBMITTED', 'DISCARDED', 'RESOLVED'],
  // NEW: the row failed again in a retry of its batch, with the new error.
  READY: ['RESUBMITTED', 'NEW', 'DISCARDED', 'RESOLVED'],
  // Claimed for resending: delivered, or back to NEW with the new error; a lost lease frees it again.
  // Held by a replay: delivered there (RESOLVED), or discarded there (DISCARDED, through the lineage).
  RESUBMITTED: ['RESOLVED', 'NEW', 'RESUBMITTED', 'DISCARDED'],
  // Settled for good: delivered, or given up on by an admin. Nothing reopens them.
  RESOLVED: [],
  DISCARDED: [],
};

export function canErrorPayloadBecome(from: ErrorPayloadStatus, to: ErrorPayloadStatus): boolean {
  return NEXT[from]?.includes(to) ?? false;
}

export function assertErrorPayloadTransition(id: number, batchId: number, from: ErrorPayloadStatus, to: ErrorPayloadStatus): void {
  if (!canErrorPayloadBecome(from, to)) throw new InvalidTransitionError('error payload', id, from, to, batchId);
}

/** An error payload as a bulk change selects it: with the status it is in. */
export interface ErrorPayloadState {
  id: number;
  batch_id: number;
  status: ErrorPayloadStatus;
}

/**
 * Moves error payloads that the caller selected (locked, in its transaction) with their status to `to`:
 * each row's transition is asserted against the table, and each update is guarded with the status the row
 * was selected in, so it can never overwrite a status it did not check. Callers select only the rows that
 * may change (canErrorPayloadBecome); one that may not is a mistake, and throws before anything is written.
 */
export async function moveErrorPayloads(
  store: Store,
  trx: Knex.Transaction,
  rows: readonly ErrorPayloadState[],
  to: ErrorPayloadStatus,
  patch: Record<string, unknown>,
): Promise<void> {
  const idsByStatus = new Map<ErrorPayloadStatus, number[]>();
  for (const row of rows) {
    assertErrorPayloadTransition(row.id, row.batch_id, row.status, to);
    const ids = idsByStatus.get(row.status);
    if (ids) ids.push(row.id);
    else idsByStatus.set(row.status, [row.id]);
  }
  for (const [from, ids] of idsByStatus) {
    for (let start = 0; start < ids.length; start += 500) {
      await trx(store.tables.errorPayload)
        .whereIn('id', ids.slice(start, start + 500))
        .where('status', from)
        .update({ ...patch, status: to });
    }
  }
}
