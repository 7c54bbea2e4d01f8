import type { Knex } from 'knex';
import { countInFlight, type DispatchSource } from './control/count-in-flight';
import type { Store } from './open-store';
import { hasRowLocks } from './transaction';

export interface ClaimLimit {
  /** At most this many in this claim (the fetch size). */
  limit: number;
  /** At most this many of the group filter in flight with a live lease, this claim included. */
  maxInFlight?: number;
  /**
   * Claims that share a max-in-flight limit lock this `bsync_control` row first, so two runtimes
   * cannot both count the same free slot.
   */
  controlKey?: string;
  groupType?: string;
  groupId?: string;
}

/** How many items this claim may take, counted inside its transaction. */
export async function claimSlots(store: Store, trx: Knex.Transaction, source: DispatchSource, claim: ClaimLimit, now: number): Promise<number> {
  if (claim.controlKey !== undefined) {
    await trx(store.tables.control)
      .insert({ dispatcher: claim.controlKey, fetch_size: claim.limit, max_in_flight: claim.maxInFlight ?? claim.limit, paused: false, updated_at: now })
      .onConflict('dispatcher')
      .ignore();
    if (hasRowLocks(store)) await trx(store.tables.control).where('dispatcher', claim.controlKey).forUpdate().first();
  }
  if (claim.maxInFlight === undefined) return claim.limit;
  const inFlight = await countInFlight(store, { source, groupType: claim.groupType, groupId: claim.groupId, now }, trx);
  return Math.min(claim.limit, claim.maxInFlight - inFlight);
}
