import type { Store } from '../open-store';
import type { BatchRow, BatchStatus } from '../tables';
import { normalizeBatch } from './normalize-batch';

export interface BatchFilter {
  status?: BatchStatus | BatchStatus[];
  groupType?: string;
  groupId?: string;
  parentBatchId?: number;
  /** The partitions of this batch. Without it, partitions are left out: each is a part of its batch, listed once. */
  partitionOf?: number;
  limit?: number;
  offset?: number;
}

export interface BatchPage {
  batches: BatchRow[];
  total: number;
  limit: number;
  offset: number;
}

export const MAX_PAGE_SIZE = 1000;

/** Batches, newest first, with the total count for paging. The payload column is left out: it can be large. */
export async function listBatches(store: Store, filter: BatchFilter = {}): Promise<BatchPage> {
  const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE_SIZE));
  const offset = Math.max(0, filter.offset ?? 0);
  const base = store.knex(store.tables.batch);
  if (filter.status !== undefined) base.whereIn('status', Array.isArray(filter.status) ? filter.status : [filter.status]);
  if (filter.groupType !== undefined) base.where('group_type', filter.groupType);
  if (filter.groupId !== undefined) base.where('group_id', filter.groupId);
  if (filter.parentBatchId !== undefined) base.where('parent_batch_id', filter.parentBatchId);
  if (filter.partitionOf !== undefined) base.where('partition_of', filter.partitionOf);
  else base.whereNull('partition_of');

  const [{ total }] = await base.clone().count({ total: '*' });
  const rows = await base.clone().select('*').orderBy('id', 'desc').limit(limit).offset(offset);
  return {
    batches: rows.map((row: Record<string, unknown>) => {
      const batch = normalizeBatch(row);
      batch.payload = null;
      return batch;
    }),
    total: Number(total),
    limit,
    offset,
  };
}
