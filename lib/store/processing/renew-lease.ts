import type { Store } from '../open-store';

/** Extends this runtime's lease on a batch it is processing; false when the lease is no longer its own. */
export async function renewLease(store: Store, batchId: number, owner: string, leaseUntil: number, now: number = Date.now()): Promise<boolean> {
  const updated = await store
    .knex(store.tables.batch)
    .where({ id: batchId, lease_owner: owner })
    .whereIn('status', ['SUBMITTED', 'PROCESSING'])
    .update({ lease_until: leaseUntil, updated_at: now });
  return Number(updated) > 0;
}
