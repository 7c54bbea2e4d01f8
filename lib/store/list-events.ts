import { withNumericColumns } from './numeric-columns';
import type { Store } from './open-store';
import type { EventRow } from './tables';

export interface EventFilter {
  entity?: EventRow['entity'];
  entityId?: number | string;
  batchId?: number;
  limit?: number;
}

/** The audit trail of one batch or error payload, oldest first. */
export async function listEvents(store: Store, filter: EventFilter): Promise<EventRow[]> {
  const query = store.knex<EventRow>(store.tables.event).select('*').orderBy('id', 'asc');
  if (filter.entity) query.where('entity', filter.entity);
  if (filter.entityId !== undefined) query.where('entity_id', String(filter.entityId));
  if (filter.batchId !== undefined) query.where('batch_id', filter.batchId);
  query.limit(Math.min(filter.limit ?? 1000, 10000));
  return (await query).map(normalizeEvent);
}

function normalizeEvent(row: EventRow): EventRow {
  return withNumericColumns<EventRow>(row as unknown as Record<string, unknown>, ['id', 'batch_id', 'created_at']);
}
