import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import { storeInTransaction } from '../store-in-transaction';
import type { BatchRow } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';
import { changeBatchStatus } from '../batches/change-batch-status';
import { normalizeBatch } from '../batches/normalize-batch';
import { SETTLED_PARTITION_STATUSES } from './settled-statuses';

export interface PartitionEnd {
  /** The partition, PROCESSING under this runtime's lease, every row of its range settled. */
  partition: BatchRow;
  owner: string;
  /** PROCESSED when its rows are settled; FAILED when its rows could not be read (with the reason). */
  to: 'PROCESSED' | 'FAILED';
  reason?: string;
  /** How long the parent's lease is, when this partition was the last one and this runtime finishes the parent. */
  leaseMs: number;
  now?: number;
}

export interface PartitionSettled {
  partition: BatchRow;
  /**
   * The parent, when every partition is settled now: leased to this runtime, its checkpoint at its last row,
   * for the caller to finish (file moves, error file, PROCESSED or FAILED). Undefined while others run.
   */
  parentToFinish?: BatchRow;
}

/**
 * Ends a partition and, in the same transaction, takes the parent to finish when no partition is left
 * unsettled. The parent row is locked first, so of two partitions ending at once on two runtimes exactly one
 * sees the last one settled. A runtime that dies before it finished the parent leaves its lease to run out:
 * the parent is claimed again and finished by whoever claims it (see processBatch).
 */
export async function settlePartition(store: Store, end: PartitionEnd): Promise<PartitionSettled> {
  const now = end.now ?? Date.now();
  const parentId = end.partition.partition_of!;
  return writeTransaction(store, async (trx) => {
    const parentRow = await forUpdate(store, trx(store.tables.batch).where('id', parentId)).first();
    const partition = await changeBatchStatus(storeInTransaction(store, trx), {
      id: end.partition.id,
      to: end.to,
      action: end.to === 'PROCESSED' ? 'processed' : 'failed',
      actor: end.owner,
      leaseOwner: end.owner,
      reason: end.reason,
      patch: { finished_at: now, error: end.reason ?? null, lease_owner: null, lease_until: null },
      now,
    });
    const parent = normalizeBatch(parentRow);
    const [{ open }] = (await trx(store.tables.batch)
      .where('partition_of', parentId)
      .whereNotIn('status', SETTLED_PARTITION_STATUSES as string[])
      .count({ open: '*' })) as { open: number | string }[];
    // A parent already taken to finish (by a runtime that then died) is not taken twice here.
    if (Number(open) > 0 || parent.status !== 'PROCESSING' || parent.lease_owner !== null) return { partition };
    const leaseUntil = now + end.leaseMs;
    await trx(store.tables.batch)
      .where({ id: parentId, status: 'PROCESSING' })
      .whereNull('lease_owner')
      .update({ lease_owner: end.owner, lease_until: leaseUntil, checkpoint_row: parent.total_rows ?? 0, updated_at: now });
    await recordEvents(store, trx, [
      {
        entity: 'batch',
        entityId: parentId,
        batchId: parentId,
        action: 'partitions-settled',
        actor: end.owner,
        detail: { partitions: parent.partition_count, lastPartition: partition.id, leaseOwner: end.owner, leaseUntil },
        at: now,
      },
    ]);
    return { partition, parentToFinish: normalizeBatch(await trx(store.tables.batch).where('id', parentId).first()) };
  });
}
