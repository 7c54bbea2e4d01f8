import type { Knex } from 'knex';
import { InvalidRequestError, InvalidTransitionError } from '../errors';
import type { BatchRow, BatchStatus, Store } from '../store';

/** A replay batch in one of these is still going to run: a second replay would send its rows twice. */
const ACTIVE_STATUSES: readonly BatchStatus[] = ['NEW', 'RETRY', 'SUBMITTED', 'PROCESSING', 'ERROR_RETRY'];

/**
 * Only a FAILED file batch has failed rows to replay from its error file; a single payload is sent again
 * with a retry (mode "original") or by marking its error payload READY.
 */
export function assertReplayable(batch: BatchRow): void {
  if (batch.kind !== 'file') {
    throw new InvalidRequestError(
      `batch ${batch.id} is a single payload, not a file: replay it with from "original", or mark its error payload READY`,
      { batchId: batch.id },
    );
  }
  if (batch.status !== 'FAILED') {
    const error = new InvalidTransitionError('batch', batch.id, batch.status, 'replayed');
    error.message = `batch ${batch.id} is ${batch.status}: only a FAILED batch has failed rows to replay`;
    throw error;
  }
}

/** Refuses a replay while an earlier replay of the same batch has yet to finish. */
export async function assertNoActiveReplay(store: Store, query: Knex | Knex.Transaction, batchId: number): Promise<void> {
  const active = await query(store.tables.batch)
    .where('parent_batch_id', batchId)
    .whereIn('status', ACTIVE_STATUSES as BatchStatus[])
    .orderBy('id')
    .first('id', 'status');
  if (active) {
    throw new InvalidRequestError(`batch ${batchId} already has a replay waiting to finish: batch ${active.id} is ${active.status}`, { batchId });
  }
}
