import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadStatus, EventAction } from '../tables';
import { moveBatches } from '../batches/batch-transitions';
import { forUpdate } from '../transaction';
import { OPEN_ERROR_PAYLOAD_STATUSES } from './error-payload-filter';

const ALL_FAILED_ROWS_SETTLED = 'all-failed-rows-settled' satisfies EventAction;
const COMPENSATED = 'compensated' satisfies EventAction;

/**
 * A FAILED batch whose every failed row has since been resolved or discarded has nothing left to fix: it
 * becomes PROCESSED, with an event that says why and how. Only a batch whose file was read to the end
 * qualifies: one that failed because its file could not be read stays FAILED, whatever its error payloads,
 * and so does one whose applied rows all or nothing undid.
 * Runs inside the caller's transaction; returns the batches it closed.
 */
export async function closeSettledBatches(store: Store, trx: Knex.Transaction, batchIds: Iterable<number>, actor: string, now: number): Promise<number[]> {
  const closed: number[] = [];
  for (const batchId of new Set(batchIds)) {
    const batch = await forUpdate(store, trx(store.tables.batch).where({ id: batchId, status: 'FAILED' })).first();
    if (!batch || batch.total_rows === null || Number(batch.checkpoint_row) < Number(batch.total_rows)) continue;
    const counts = (await trx(store.tables.errorPayload)
      .where('batch_id', batchId)
      .select('status')
      .count({ count: '*' })
      .groupBy('status')) as { status: ErrorPayloadStatus; count: number | string }[];
    const byStatus = Object.fromEntries(counts.map((row) => [row.status, Number(row.count)])) as Partial<Record<ErrorPayloadStatus, number>>;
    const failed = Object.values(byStatus).reduce((sum, count) => sum + (count ?? 0), 0);
    const open = OPEN_ERROR_PAYLOAD_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
    if (failed === 0 || open > 0) continue;
    // All or nothing undid rows of this batch (compensated): its rows were not delivered, whatever became of
    // the failed ones; it stays FAILED until a run of it delivers them.
    if (await trx(store.tables.event).where({ entity: 'batch', entity_id: String(batchId), action: COMPENSATED }).first('id')) continue;
    await moveBatches(store, trx, [{ id: batchId, status: 'FAILED' }], 'PROCESSED', { status_time: now, updated_at: now, error: null });
    await recordEvents(store, trx, [
      {
        entity: 'batch',
        entityId: batchId,
        batchId,
        action: ALL_FAILED_ROWS_SETTLED,
        fromStatus: 'FAILED',
        toStatus: 'PROCESSED',
        actor,
        detail: {
          reason: `all ${failed} failed rows were settled: ${byStatus.RESOLVED ?? 0} resolved, ${byStatus.DISCARDED ?? 0} discarded`,
          resolved: byStatus.RESOLVED ?? 0,
          discarded: byStatus.DISCARDED ?? 0,
          before: { status: 'FAILED', error: batch.error ?? null },
          after: { status: 'PROCESSED', error: null },
        },
        at: now,
      },
    ]);
    closed.push(batchId);
  }
  return closed;
}
