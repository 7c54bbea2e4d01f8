import { getBatch, listEvents, type EventRow, type Store } from '../store';
import type { BatchRow } from '../store';

export interface BatchDetail {
  batch: BatchRow;
  /** Its audit trail, oldest first. */
  events: EventRow[];
}

/** One batch with its audit trail; a NotFoundError when there is no such batch. */
export async function getBatchDetail(store: Store, id: number): Promise<BatchDetail> {
  const batch = await getBatch(store, id);
  return { batch, events: await listEvents(store, { entity: 'batch', entityId: batch.id }) };
}
