import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import { IN_FLIGHT_STATUSES, PARKED_STATUSES, type BatchRow, type BatchStatus } from '../tables';
import { claimSlots, type ClaimLimit } from '../claim-slots';
import { hasRowLocks, writeTransaction } from '../transaction';
import { moveBatches } from './batch-transitions';
import { normalizeBatch } from './normalize-batch';

/** How many candidates a claim reads per slot: room for the ones other runtimes are taking at that moment. */
const CANDIDATE_FACTOR = 4;

export interface ClaimOptions extends ClaimLimit {
  /** This runtime: written to `lease_owner`. */
  owner: string;
  leaseMs: number;
  /** Parked statuses to take; default NEW, ERROR_RETRY, RETRY. */
  statuses?: readonly BatchStatus[];
  actor?: string;
  now?: number;
}

/**
 * Claims parked batches whose parking time is over, and batches whose lease ran out: ordered by priority
 * (highest first), then id. Atomic: `FOR UPDATE SKIP LOCKED` on MySQL/MariaDB, one write transaction on
 * SQLite, so concurrent claimers never get the same batch.
 */
export async function claimBatches(store: Store, options: ClaimOptions): Promise<BatchRow[]> {
  const now = options.now ?? Date.now();
  const statuses = options.statuses ?? PARKED_STATUSES;
  return writeTransaction(store, async (trx) => {
    const slots = await claimSlots(store, trx, 'batches', options, now);
    if (slots <= 0) return [];

    // Two steps, so a claim locks only the rows it takes: MySQL sorts every matching row before LIMIT,
    // and FOR UPDATE on that query would lock them all, leaving SKIP LOCKED nothing for other claimers.
    const claimable = (query: Knex.QueryBuilder) =>
      query.where((where) =>
        where
          .where((parked) => parked.whereIn('status', statuses as BatchStatus[]).where('parked_until', '<=', now))
          .orWhere((expired) => expired.whereIn('status', IN_FLIGHT_STATUSES as BatchStatus[]).where('lease_until', '<', now)),
      );
    const order = [{ column: 'priority', order: 'desc' }, { column: 'id', order: 'asc' }];
    const candidates = claimable(trx(store.tables.batch).select('id'))
      .orderBy(order)
      .limit(slots * CANDIDATE_FACTOR);
    applyGroupFilter(candidates, options);
    const candidateIds = ((await candidates) as { id: number }[]).map((row) => Number(row.id));
    if (candidateIds.length === 0) return [];

    // The lock re-checks each candidate: another runtime may have claimed it since it was read.
    const locking = claimable(trx(store.tables.batch).select('id', 'status', 'lease_owner').whereIn('id', candidateIds))
      .orderBy(order)
      .limit(slots);
    if (hasRowLocks(store)) locking.forUpdate().skipLocked();
    const picked = (await locking) as { id: number; status: BatchStatus; lease_owner: string | null }[];
    if (picked.length === 0) return [];

    const ids = picked.map((row) => Number(row.id));
    const leaseUntil = now + options.leaseMs;
    await moveBatches(
      store,
      trx,
      picked.map((row) => ({ id: Number(row.id), status: row.status })),
      'SUBMITTED',
      { lease_owner: options.owner, lease_until: leaseUntil, attempts: trx.raw('attempts + 1'), status_time: now, updated_at: now },
    );
    await recordEvents(
      store,
      trx,
      picked.map((row) => {
        const expired = (IN_FLIGHT_STATUSES as string[]).includes(row.status);
        return {
          entity: 'batch' as const,
          entityId: Number(row.id),
          batchId: Number(row.id),
          action: expired ? 'lease-expired-reclaimed' : 'claimed',
          fromStatus: row.status,
          toStatus: 'SUBMITTED',
          actor: options.actor ?? options.owner,
          detail: { leaseOwner: options.owner, leaseUntil, ...(expired ? { previousLeaseOwner: row.lease_owner } : {}) },
          at: now,
        };
      }),
    );
    const rows = await trx(store.tables.batch).whereIn('id', ids);
    const byId = new Map(rows.map((row: Record<string, unknown>) => [Number(row.id), normalizeBatch(row)]));
    return ids.map((id) => byId.get(id)!);
  });
}

function applyGroupFilter(query: Knex.QueryBuilder, filter: { groupType?: string; groupId?: string }): void {
  if (filter.groupType) query.where('group_type', filter.groupType);
  if (filter.groupId) query.where('group_id', filter.groupId);
}
