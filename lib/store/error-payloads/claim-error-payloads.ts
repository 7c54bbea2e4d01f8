import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadRow } from '../tables';
import { claimSlots, type ClaimLimit } from '../claim-slots';
import { hasRowLocks, writeTransaction } from '../transaction';
import { moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';
import { normalizeErrorPayload } from './normalize-error-payload';

export interface ErrorPayloadClaimOptions extends ClaimLimit {
  owner: string;
  leaseMs: number;
  actor?: string;
  now?: number;
}

/**
 * Claims READY error payloads (and RESUBMITTED ones whose lease ran out) for resending: READY →
 * RESUBMITTED with a lease, oldest first. Same two-step, SKIP LOCKED claim as for batches.
 */
export async function claimErrorPayloads(store: Store, options: ErrorPayloadClaimOptions): Promise<ErrorPayloadRow[]> {
  const now = options.now ?? Date.now();
  const table = store.tables.errorPayload;
  return writeTransaction(store, async (trx) => {
    const slots = await claimSlots(store, trx, 'errors', options, now);
    if (slots <= 0) return [];
    const claimable = (query: Knex.QueryBuilder) => {
      query.where((where) =>
        where.where('status', 'READY').orWhere((expired) => expired.where('status', 'RESUBMITTED').where('lease_until', '<', now)),
      );
      if (options.groupType) query.where('group_type', options.groupType);
      if (options.groupId) query.where('group_id', options.groupId);
      return query;
    };
    const candidateIds = ((await claimable(trx(table).select('id')).orderBy('id', 'asc').limit(slots * 4)) as { id: number }[]).map(
      (row) => Number(row.id),
    );
    if (candidateIds.length === 0) return [];
    const locking = claimable(trx(table).select('id', 'status', 'batch_id').whereIn('id', candidateIds)).orderBy('id', 'asc').limit(slots);
    if (hasRowLocks(store)) locking.forUpdate().skipLocked();
    const picked = ((await locking) as ErrorPayloadState[]).map((row) => ({ ...row, id: Number(row.id), batch_id: Number(row.batch_id) }));
    if (picked.length === 0) return [];
    const ids = picked.map((row) => row.id);
    await moveErrorPayloads(store, trx, picked, 'RESUBMITTED', { lease_owner: options.owner, lease_until: now + options.leaseMs, status_time: now });
    await recordEvents(
      store,
      trx,
      picked.map((row) => ({
        entity: 'error_payload' as const,
        entityId: row.id,
        batchId: row.batch_id,
        action: row.status === 'READY' ? 'claimed' : 'lease-expired-reclaimed',
        fromStatus: row.status,
        toStatus: 'RESUBMITTED',
        actor: options.actor ?? options.owner,
        detail: { leaseOwner: options.owner, leaseUntil: now + options.leaseMs },
        at: now,
      })),
    );
    const rows = (await trx(table).whereIn('id', ids).orderBy('id', 'asc')) as Record<string, unknown>[];
    return rows.map(normalizeErrorPayload);
  });
}
