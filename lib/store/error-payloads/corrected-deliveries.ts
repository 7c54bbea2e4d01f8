import type { Store } from '../open-store';

/** Bind parameters per statement stay far below every dialect's limit (SQL Server's 2100). */
const ROWS_PER_STATEMENT = 500;

/**
 * The rows of a batch that were last delivered as a corrected error payload: resolved, after an admin
 * corrected it. What went out for such a row is the correction, not the line of the batch file; per row
 * number, the error payload's id. Two SELECTs: the resolved error payloads of those rows, then which of
 * them have a `corrected` event (the event's entity id is text, so it is not joined on).
 */
export async function correctedDeliveries(store: Store, batchId: number, rowNumbers: readonly number[]): Promise<Map<number, number>> {
  const resolved = new Map<string, number>();
  const rows = [...new Set(rowNumbers)];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const found = (await store
      .knex(store.tables.errorPayload)
      .where({ batch_id: batchId, status: 'RESOLVED' })
      .whereIn('row_number', rows.slice(start, start + ROWS_PER_STATEMENT))
      .select('id', 'row_number')) as { id: number | string; row_number: number | string }[];
    for (const row of found) resolved.set(String(row.id), Number(row.row_number));
  }
  const corrected = new Map<number, number>();
  const ids = [...resolved.keys()];
  for (let start = 0; start < ids.length; start += ROWS_PER_STATEMENT) {
    const events = (await store
      .knex(store.tables.event)
      .where({ entity: 'error_payload', action: 'corrected' })
      .whereIn('entity_id', ids.slice(start, start + ROWS_PER_STATEMENT))
      .distinct('entity_id')) as { entity_id: string }[];
    for (const { entity_id: id } of events) corrected.set(resolved.get(String(id))!, Number(id));
  }
  return corrected;
}
