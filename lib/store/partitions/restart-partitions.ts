import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import { storeInTransaction } from '../store-in-transaction';
import type { BatchRow } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';
import { moveBatches } from '../batches/batch-transitions';
import { changeBatchStatus } from '../batches/change-batch-status';
import { normalizeBatch } from '../batches/normalize-batch';
import { SETTLED_PARTITION_STATUSES } from './settled-statuses';

/**
 * A partitioned parent claimed again after a retry (its progress wiped): its partitions are parked again as
 * RETRY, each with its progress wiped to just before its first row, and the parent goes PROCESSING with no
 * lease, as when it was first partitioned. Only settled partitions are parked again; an unsettled one means
 * the parent was not done, and nothing is changed.
 */
export async function restartPartitions(store: Store, parent: BatchRow, owner: string, now = Date.now()): Promise<BatchRow[]> {
  return writeTransaction(store, async (trx) => {
    const partitions = ((await forUpdate(store, trx(store.tables.batch).where('partition_of', parent.id).orderBy('first_row'))) as Record<string, unknown>[]).map(normalizeBatch);
    const unsettled = partitions.find((partition) => !SETTLED_PARTITION_STATUSES.includes(partition.status));
    if (unsettled) throw new InvalidRequestError(`batch ${parent.id} cannot start again: its partition batch ${unsettled.id} is ${unsettled.status}`, { batchId: parent.id });
    await changeBatchStatus(storeInTransaction(store, trx), {
      id: parent.id,
      to: 'PROCESSING',
      from: ['SUBMITTED'],
      action: 'partitions-restarted',
      actor: owner,
      leaseOwner: owner,
      patch: { started_at: parent.started_at ?? now, error: null, lease_owner: null, lease_until: null },
      now,
    });
    for (const partition of partitions) {
      await moveBatches(store, trx, [partition], 'RETRY', {
        // Where the file is now: the batch's end moved it (to the failed folder, maybe under a new name).
        folder: parent.folder,
        file_name: parent.file_name,
        parked_until: now,
        status_time: now,
        updated_at: now,
        checkpoint_row: partition.first_row! - 1,
        processed_rows: 0,
        succeeded_rows: 0,
        failed_rows: 0,
        skipped_rows: 0,
        error: null,
        error_file: null,
        lease_owner: null,
        lease_until: null,
        finished_at: null,
      });
    }
    await recordEvents(
      store,
      trx,
      partitions.map((partition) => ({
        entity: 'batch' as const,
        entityId: partition.id,
        batchId: partition.id,
        action: 'retry' as const,
        fromStatus: partition.status,
        toStatus: 'RETRY',
        actor: owner,
        detail: { reason: `its batch ${parent.id} is retried`, before: { processedRows: partition.processed_rows, failedRows: partition.failed_rows } },
        at: now,
      })),
    );
    return ((await trx(store.tables.batch).where('partition_of', parent.id).orderBy('first_row')) as Record<string, unknown>[]).map(normalizeBatch);
  });
}
