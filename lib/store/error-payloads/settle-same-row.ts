import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadStatus } from '../tables';
import { forUpdate } from '../transaction';
import { canErrorPayloadBecome, moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';

/**
 * Error payloads nobody is working on follow: NEW, READY, and a RESUBMITTED one held by a replay (no
 * lease owner). One claimed by the errors-mode dispatcher (with a lease) settles itself when its resend ends.
 */
const FOLLOWING: readonly ErrorPayloadStatus[] = ['NEW', 'READY'];

export interface SameRowSettlement {
  /** Idempotency keys of rows that were just delivered (RESOLVED) or given up on (DISCARDED). */
  keys: readonly string[];
  to: 'RESOLVED' | 'DISCARDED';
  actor: string;
  /** What settled the row, for the audit trail: `{ batchId }` of a replay, `{ errorPayloadId }` of a resend or discard. */
  cause: Record<string, unknown>;
  reason?: string;
  now: number;
}

/**
 * A row keeps its idempotency key (`bsync-<origin batch>-<origin row>`) through every replay, so the key
 * names the same row in every batch of a lineage: once it is delivered or discarded in one batch, its open
 * error payloads in the others (the batch it was replayed from, or replays of it) are settled the same way.
 * Runs inside the caller's transaction; returns the batches whose error payloads changed.
 */
export async function settleSameRowElsewhere(store: Store, trx: Knex.Transaction, settlement: SameRowSettlement): Promise<number[]> {
  const keys = [...new Set(settlement.keys)];
  const touched = new Set<number>();
  for (let start = 0; start < keys.length; start += 500) {
    const chunk = keys.slice(start, start + 500);
    const select = forUpdate(
      store,
      trx(store.tables.errorPayload)
        .select('id', 'batch_id', 'status', 'idempotency_key')
        .whereIn('idempotency_key', chunk)
        .where((following) =>
          following
            .whereIn('status', FOLLOWING as ErrorPayloadStatus[])
            .orWhere((held) => held.where('status', 'RESUBMITTED').whereNull('lease_owner')),
        ),
    );
    const matching = ((await select) as (ErrorPayloadState & { idempotency_key: string })[])
      .map((row) => ({ ...row, id: Number(row.id), batch_id: Number(row.batch_id) }))
      .filter((row) => canErrorPayloadBecome(row.status, settlement.to));
    if (matching.length === 0) continue;
    await moveErrorPayloads(store, trx, matching, settlement.to, {
      status_time: settlement.now,
      ...(settlement.to === 'RESOLVED' ? { resolved_at: settlement.now } : {}),
      lease_owner: null,
      lease_until: null,
    });
    await recordEvents(
      store,
      trx,
      matching.map((row) => ({
        entity: 'error_payload' as const,
        entityId: row.id,
        batchId: row.batch_id,
        action: settlement.to === 'RESOLVED' ? 'resolved-in-lineage' : 'discarded-in-lineage',
        fromStatus: row.status,
        toStatus: settlement.to,
        actor: settlement.actor,
        detail: {
          idempotencyKey: row.idempotency_key,
          by: settlement.cause,
          ...(settlement.reason ? { reason: settlement.reason } : {}),
          before: { status: row.status },
          after: { status: settlement.to },
        },
        at: settlement.now,
      })),
    );
    for (const row of matching) touched.add(row.batch_id);
  }
  return [...touched];
}
