import type { Store } from '../open-store';
import { ERROR_PAYLOAD_STATUSES, type ErrorPayloadStatus } from '../tables';
import { OPEN_ERROR_PAYLOAD_STATUSES } from './error-payload-filter';

/** How far the fixing of one batch's failed rows has come. */
export interface FixStatistics {
  batchId: number;
  /** Its error payloads: every row of it that failed, in any run. */
  failed: number;
  /**
   * Still to be fixed here: NEW, READY, or RESUBMITTED for a resend. A copy held by a replay (RESUBMITTED,
   * no lease) is not open here: its row's one open item is the replay's (see `heldByReplay`).
   */
  open: number;
  /** Failed rows of this batch that a replay holds (RESUBMITTED, no lease) until its outcome settles them. */
  heldByReplay: number;
  resolved: number;
  discarded: number;
  /** Of `resolved` and `discarded`: rows settled in another batch of the lineage (a replay, or the batch it replays). */
  settledThroughLineage: number;
  byStatus: Record<ErrorPayloadStatus, number>;
  /** Batches that replay this one (parent_batch_id), oldest first. */
  replayBatchIds: number[];
}

/**
 * The fix statistics of some batches, by batch id (a batch without failed rows gets zeros). A row fixed
 * through a replay batch counts for the batch it came from too: settling a row settles its open error
 * payloads in every batch of the lineage (same idempotency key), see settleSameRowElsewhere.
 */
export async function fixStatistics(store: Store, batchIds: readonly number[]): Promise<Map<number, FixStatistics>> {
  const ids = [...new Set(batchIds)];
  const result = new Map<number, FixStatistics>(ids.map((batchId) => [batchId, emptyStatistics(batchId)]));
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const counts = (await store
      .knex(store.tables.errorPayload)
      .whereIn('batch_id', chunk)
      .select('batch_id', 'status')
      // Rows, not error payloads: a failed group's one error payload stands for row_count rows.
      .sum({ count: 'row_count' })
      .groupBy('batch_id', 'status')) as { batch_id: number; status: ErrorPayloadStatus; count: number | string }[];
    for (const row of counts) {
      const statistics = result.get(Number(row.batch_id))!;
      statistics.byStatus[row.status] = Number(row.count);
    }
    const held = (await store
      .knex(store.tables.errorPayload)
      .whereIn('batch_id', chunk)
      .where('status', 'RESUBMITTED')
      .whereNull('lease_owner')
      .select('batch_id')
      .count({ count: '*' })
      .groupBy('batch_id')) as { batch_id: number; count: number | string }[];
    for (const row of held) result.get(Number(row.batch_id))!.heldByReplay = Number(row.count);
    const throughLineage = (await store
      .knex(store.tables.event)
      .whereIn('batch_id', chunk)
      .where('entity', 'error_payload')
      .whereIn('action', ['resolved-in-lineage', 'discarded-in-lineage'])
      .select('batch_id')
      .countDistinct({ count: 'entity_id' })
      .groupBy('batch_id')) as { batch_id: number; count: number | string }[];
    for (const row of throughLineage) result.get(Number(row.batch_id))!.settledThroughLineage = Number(row.count);
    const replays = (await store.knex(store.tables.batch).whereIn('parent_batch_id', chunk).select('id', 'parent_batch_id').orderBy('id')) as {
      id: number;
      parent_batch_id: number;
    }[];
    for (const row of replays) result.get(Number(row.parent_batch_id))!.replayBatchIds.push(Number(row.id));
  }
  for (const statistics of result.values()) {
    const { byStatus } = statistics;
    statistics.failed = ERROR_PAYLOAD_STATUSES.reduce((sum, status) => sum + byStatus[status], 0);
    statistics.open = OPEN_ERROR_PAYLOAD_STATUSES.reduce((sum, status) => sum + byStatus[status], 0) - statistics.heldByReplay;
    statistics.resolved = byStatus.RESOLVED;
    statistics.discarded = byStatus.DISCARDED;
  }
  return result;
}

function emptyStatistics(batchId: number): FixStatistics {
  const byStatus = Object.fromEntries(ERROR_PAYLOAD_STATUSES.map((status) => [status, 0])) as Record<ErrorPayloadStatus, number>;
  return { batchId, failed: 0, open: 0, heldByReplay: 0, resolved: 0, discarded: 0, settledThroughLineage: 0, byStatus, replayBatchIds: [] };
}
