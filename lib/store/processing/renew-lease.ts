import type { Store } from '../open-store';

/**
 * Extends this runtime's lease on a batch it is processing; false when the lease is no longer its own.
 * `claimAttempt`: the batch's `attempts` when this run claimed it; a later claim (by this same runtime, after
 * the lease ran out while the database was away) belongs to another run, and this one's lease is gone.
 */
export async function renewLease(store: Store, batchId: number, owner: string, leaseUntil: number, now: number = Date.now(), claimAttempt?: number): Promise<boolean> {
  const query = store
    .knex(store.tables.batch)
    .where({ id: batchId, lease_owner: owner })
    .whereIn('status', ['SUBMITTED', 'PROCESSING']);
  if (claimAttempt !== undefined) query.where('attempts', claimAttempt);
  const updated = await query.update({ lease_until: leaseUntil, updated_at: now });
  return Number(updated) > 0;
}
