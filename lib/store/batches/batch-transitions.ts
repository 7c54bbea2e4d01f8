import type { Knex } from 'knex';
import { InvalidTransitionError } from '../../errors';
import type { Store } from '../open-store';
import type { BatchStatus } from '../tables';

/**
 * The batch state machine of DESIGN.md: which status may follow which. Every status write goes through
 * here: changeBatchStatus for one batch, moveBatches for the bulk ones (claims, lineage settlement).
 */
const NEXT: Record<BatchStatus, readonly BatchStatus[]> = {
  NEW: ['SUBMITTED', 'CANCELLED'],
  ERROR_RETRY: ['SUBMITTED', 'CANCELLED'],
  RETRY: ['SUBMITTED', 'CANCELLED'],
  // A claimed batch whose lease ran out is claimed again (SUBMITTED) by another runtime.
  SUBMITTED: ['PROCESSING', 'ERROR_RETRY', 'FAILED', 'SUBMITTED'],
  PROCESSING: ['PROCESSED', 'FAILED', 'ERROR_RETRY', 'SUBMITTED'],
  // A FAILED batch becomes PROCESSED once every failed row was resolved or discarded.
  FAILED: ['RETRY', 'PROCESSED'],
  PROCESSED: ['RETRY'],
  CANCELLED: ['RETRY'],
};

export function canBecome(from: BatchStatus, to: BatchStatus): boolean {
  return NEXT[from]?.includes(to) ?? false;
}

export function assertBatchTransition(id: number, from: BatchStatus, to: BatchStatus): void {
  if (!canBecome(from, to)) throw new InvalidTransitionError('batch', id, from, to);
}

/** A batch as a bulk change selects it: with the status it is in. */
export interface BatchState {
  id: number;
  status: BatchStatus;
}

/**
 * Moves batches that the caller selected (locked, in its transaction) with their status to `to`: each
 * transition is asserted against the table and each update guarded with the status the batch was
 * selected in. A batch that may not change is a mistake of the caller and throws before anything is written.
 */
export async function moveBatches(store: Store, trx: Knex.Transaction, rows: readonly BatchState[], to: BatchStatus, patch: Record<string, unknown>): Promise<void> {
  const idsByStatus = new Map<BatchStatus, number[]>();
  for (const row of rows) {
    assertBatchTransition(row.id, row.status, to);
    const ids = idsByStatus.get(row.status);
    if (ids) ids.push(row.id);
    else idsByStatus.set(row.status, [row.id]);
  }
  for (const [from, ids] of idsByStatus) {
    for (let start = 0; start < ids.length; start += 500) {
      await trx(store.tables.batch)
        .whereIn('id', ids.slice(start, start + 500))
        .where('status', from)
        .update({ ...patch, status: to });
    }
  }
}
