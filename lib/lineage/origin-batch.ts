import { getBatch, type BatchRow, type Store } from '../store';

/** The first batch of a replay lineage: its id is in every Idempotency-Key of its rows. */
export async function originBatchId(store: Store, batch: BatchRow): Promise<number> {
  let current = batch;
  const seen = new Set<number>([current.id]);
  while (current.parent_batch_id !== null && !seen.has(current.parent_batch_id)) {
    seen.add(current.parent_batch_id);
    current = await getBatch(store, current.parent_batch_id);
  }
  return current.id;
}
