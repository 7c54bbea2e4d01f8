import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { IN_FLIGHT_STATUSES } from '../tables';

export type DispatchSource = 'batches' | 'errors';

export interface InFlightFilter {
  /** Batches (SUBMITTED, PROCESSING) or error payloads (RESUBMITTED); default batches. */
  source?: DispatchSource;
  groupType?: string;
  groupId?: string;
  now?: number;
}

/**
 * How many claimed requests of a group filter hold a live lease: the number max-in-flight limits. A lease
 * that ran out no longer counts, as in claimBatches: its runtime died and the request is claimable again.
 */
export async function countInFlight(store: Store, filter: InFlightFilter = {}, db: Knex | Knex.Transaction = store.knex): Promise<number> {
  const now = filter.now ?? Date.now();
  const errors = filter.source === 'errors';
  const query = db(errors ? store.tables.errorPayload : store.tables.batch)
    .whereIn('status', errors ? ['RESUBMITTED'] : [...IN_FLIGHT_STATUSES])
    .where('lease_until', '>=', now)
    .count({ count: '*' });
  if (filter.groupType) query.where('group_type', filter.groupType);
  if (filter.groupId) query.where('group_id', filter.groupId);
  const [{ count }] = await query;
  return Number(count);
}
