import type { Knex } from 'knex';
import { withNumericColumns } from '../numeric-columns';
import type { Store } from '../open-store';
import type { EventAction, EventRow } from '../tables';

export interface BatchEventPage {
  batchId: number;
  action: EventAction;
  /** Newest first, from just before this event id on (the page after the last one read). */
  beforeId?: number;
  /** Only events after this id: the ones of the batch's current run (after its last `retry`). */
  afterId?: number;
  /** Oldest first instead. */
  oldestFirst?: boolean;
  limit: number;
}

/**
 * One page of the events of one action about a batch or its error payloads: how an all-or-nothing batch reads back what it recorded about
 * its rows (the rows it applied, newest first so they are undone in reverse; whether an undo is due).
 */
export async function listBatchEvents(store: Store, page: BatchEventPage, trx: Knex | Knex.Transaction = store.knex): Promise<EventRow[]> {
  const query = trx<EventRow>(store.tables.event)
    .select('*')
    .where({ batch_id: page.batchId, action: page.action })
    .orderBy('id', page.oldestFirst ? 'asc' : 'desc')
    .limit(page.limit);
  if (page.beforeId !== undefined) query.where('id', '<', page.beforeId);
  if (page.afterId !== undefined) query.where('id', '>', page.afterId);
  return (await query).map((row) => withNumericColumns<EventRow>(row as unknown as Record<string, unknown>, ['id', 'batch_id', 'created_at']));
}
