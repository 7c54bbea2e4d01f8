import type { Store } from '../open-store';
import type { BatchRow } from '../tables';
import { normalizeBatch } from '../batches/normalize-batch';

/** The partitions of a parent batch, in the order of their rows. */
export async function listPartitions(store: Store, parentId: number): Promise<BatchRow[]> {
  return ((await store.knex(store.tables.batch).where('partition_of', parentId).orderBy('first_row')) as Record<string, unknown>[]).map(normalizeBatch);
}
