import type { Store } from '../open-store';
import type { BatchStatus } from '../tables';

export interface BatchCounts {
  /** Batches per status, over every group type. */
  byStatus: Partial<Record<BatchStatus, number>>;
  /** Batches per group type and status. */
  byGroupType: Record<string, Partial<Record<BatchStatus, number>>>;
  total: number;
}

export async function countBatches(store: Store, filter: { groupType?: string; groupId?: string } = {}): Promise<BatchCounts> {
  const query = store
    .knex(store.tables.batch)
    .select('group_type', 'status')
    .count({ count: '*' })
    .groupBy('group_type', 'status')
    // A partition is a part of its batch, which is counted.
    .whereNull('partition_of');
  if (filter.groupType !== undefined) query.where('group_type', filter.groupType);
  if (filter.groupId !== undefined) query.where('group_id', filter.groupId);
  const counts: BatchCounts = { byStatus: {}, byGroupType: {}, total: 0 };
  for (const row of (await query) as { group_type: string; status: BatchStatus; count: number | string }[]) {
    const count = Number(row.count);
    counts.byStatus[row.status] = (counts.byStatus[row.status] ?? 0) + count;
    counts.byGroupType[row.group_type] ??= {};
    counts.byGroupType[row.group_type][row.status] = count;
    counts.total += count;
  }
  return counts;
}
