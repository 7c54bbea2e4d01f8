import type { Knex } from 'knex';
import type { Store } from '../open-store';
import type { BatchStatus } from '../tables';

/** A replay in these statuses is still going to run: it holds its parent's failed rows until it settles. */
const UNSETTLED_STATUSES: readonly BatchStatus[] = ['NEW', 'SUBMITTED', 'PROCESSING', 'ERROR_RETRY', 'RETRY'];

/** The oldest replay of a batch that has not settled yet, if any. */
export async function findUnsettledReplay(store: Store, trx: Knex.Transaction, batchId: number): Promise<{ id: number; status: BatchStatus } | undefined> {
  const row = await trx(store.tables.batch).where('parent_batch_id', batchId).whereIn('status', UNSETTLED_STATUSES).orderBy('id').first('id', 'status');
  return row ? { id: Number(row.id), status: row.status as BatchStatus } : undefined;
}
