import type { Store } from '../open-store';

/**
 * Extends this runtime's lease on an error payload it is resending (RESUBMITTED); false when the lease is no
 * longer its own. For a resend that waits (for its group type's key map) longer than a lease.
 */
export async function renewErrorPayloadLease(store: Store, id: number, owner: string, leaseUntil: number): Promise<boolean> {
  const updated = await store
    .knex(store.tables.errorPayload)
    .where({ id, lease_owner: owner, status: 'RESUBMITTED' })
    .whereNotNull('lease_until')
    .update({ lease_until: leaseUntil });
  return Number(updated) > 0;
}
