import type { Store } from '../open-store';
import type { BatchRow } from '../tables';
import { normalizeBatch } from './normalize-batch';

export type LineageBatch = Pick<BatchRow, 'id' | 'status' | 'file_name' | 'created_at' | 'parent_batch_id'>;

export interface BatchLineage {
  /** The batch this one replays (parent_batch_id), when it is a replay. */
  parent: LineageBatch | null;
  /** The batches that replay this one, oldest first. */
  replays: LineageBatch[];
}

const COLUMNS = ['id', 'status', 'file_name', 'created_at', 'parent_batch_id'] as const;

/** Where a batch sits in its replay lineage: one step up, one step down. */
export async function getBatchLineage(store: Store, batch: Pick<BatchRow, 'id' | 'parent_batch_id'>): Promise<BatchLineage> {
  const parentRow = batch.parent_batch_id === null ? undefined : await store.knex(store.tables.batch).where('id', batch.parent_batch_id).first(...COLUMNS);
  const replayRows = (await store.knex(store.tables.batch).where('parent_batch_id', batch.id).orderBy('id').limit(1000).select(...COLUMNS)) as Record<
    string,
    unknown
  >[];
  return {
    parent: parentRow ? (normalizeBatch(parentRow) as LineageBatch) : null,
    replays: replayRows.map((row) => normalizeBatch(row) as LineageBatch),
  };
}
