import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import type { BatchRow } from '../tables';
import { normalizeBatch } from './normalize-batch';

export async function findBatch(store: Store, id: number): Promise<BatchRow | undefined> {
  const row = await store.knex(store.tables.batch).where('id', id).first();
  return row ? normalizeBatch(row) : undefined;
}

export async function getBatch(store: Store, id: number): Promise<BatchRow> {
  const batch = await findBatch(store, id);
  if (!batch) throw new NotFoundError('batch', id);
  return batch;
}

/** The batch already parked for this file content in this group type, if any (duplicate detection). */
export async function findBatchBySha256(store: Store, groupType: string, sha256: string): Promise<BatchRow | undefined> {
  const row = await store
    .knex(store.tables.batch)
    .where({ group_type: groupType, sha256 })
    .whereNot('status', 'CANCELLED')
    .orderBy('id', 'asc')
    .first();
  return row ? normalizeBatch(row) : undefined;
}
