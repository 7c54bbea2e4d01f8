import type { Knex } from 'knex';
import { boundJson } from './bounded-text';
import type { Store } from './open-store';
import type { EventAction, EventRow } from './tables';

export interface EventInput {
  entity: EventRow['entity'];
  /** The entity's own key: see EVENT_ENTITIES. */
  entityId: number | string;
  batchId?: number | null;
  action: EventAction;
  fromStatus?: string | null;
  toStatus?: string | null;
  actor: string;
  /** Before/after values, reasons: anything an auditor needs. Stored as JSON, cut to MAX_STORED_TEXT_CHARS. */
  detail?: Record<string, unknown>;
  at: number;
}

/** Appends to the audit trail, inside the caller's transaction so the change and its record land together. */
export async function recordEvents(store: Store, trx: Knex.Transaction | Knex, events: EventInput[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({
    entity: event.entity,
    entity_id: String(event.entityId),
    batch_id: event.batchId ?? null,
    action: event.action,
    from_status: event.fromStatus ?? null,
    to_status: event.toStatus ?? null,
    actor: event.actor,
    // Bounded: a detail quotes texts from outside (a reason, a downstream's answer) of any length.
    detail: event.detail === undefined ? null : boundJson(event.detail),
    created_at: event.at,
  }));
  // Chunked: SQLite allows at most 32766 bound values per statement.
  for (let start = 0; start < rows.length; start += 500) {
    await trx(store.tables.event).insert(rows.slice(start, start + 500));
  }
}
