import type { ErrorFileRow } from '../csv';
import { parseIdempotencyKey } from '../delivery/idempotency-key';
import { normalizeErrorPayload, type ErrorPayloadRow, type Store } from '../store';

/**
 * The failed rows of a batch that a replay or an export should carry: NEW ones. READY and RESUBMITTED rows
 * are already on their way through the errors-mode dispatcher; resolved and discarded ones are done.
 */
export async function* openFailedRows(store: Store, batchId: number, pageSize = 1000): AsyncGenerator<ErrorPayloadRow> {
  let after = 0;
  for (;;) {
    const rows = (await store
      .knex(store.tables.errorPayload)
      .where({ batch_id: batchId, status: 'NEW' })
      .where('row_number', '>', after)
      .orderBy('row_number', 'asc')
      .limit(pageSize)) as Record<string, unknown>[];
    if (rows.length === 0) return;
    for (const row of rows) yield normalizeErrorPayload(row);
    after = Number(rows[rows.length - 1].row_number);
  }
}

/**
 * A failed row as a line of an error file: its columns as read from the file, its origin row number (kept
 * through replays, so the idempotency key stays the same) and why it failed.
 */
export function toErrorFileRow(errorPayload: ErrorPayloadRow): ErrorFileRow {
  return {
    rowNumber: parseIdempotencyKey(errorPayload.idempotency_key)?.originRowNumber ?? errorPayload.row_number,
    record: recordOf(errorPayload.original_payload),
    error: errorPayload.error ?? '',
  };
}

/** The file's columns, in order: the columns of the failed rows as they were read. */
export async function columnsOfOpenRows(store: Store, batchId: number): Promise<string[]> {
  const columns = new Set<string>();
  for await (const row of openFailedRows(store, batchId)) for (const column of Object.keys(recordOf(row.original_payload))) columns.add(column);
  return [...columns];
}

function recordOf(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, field === null || field === undefined ? '' : String(field)]));
  } catch {
    return {};
  }
}
