import path from 'node:path';
import { createErrorFileWriter, errorFileName, parseStoredOriginal, type CsvOptions, type ErrorFileRow } from '../csv';
import { failedRowsOf, type ErrorPayloadRow, type Store } from '../store';
import { parseIdempotencyKey } from '../lineage';
import { readGroupOriginal } from '../grouping';
import { createJsonlErrorFileWriter, ERROR_FILE_LINE_COLUMN, type JsonlErrorFileRow } from '../jsonl';

/**
 * Writes `<name>.errors.csv` from the batch's open error payloads: the original columns, the origin row
 * number and the error. Written from the database, so a batch resumed after a crash still gets every row.
 */
export async function writeBatchErrorFile(
  store: Store,
  batchId: number,
  fileName: string,
  columns: string[],
  folder: string,
  csv: Pick<CsvOptions, 'delimiter' | 'quote'>,
): Promise<string> {
  const target = path.join(folder, errorFileName(fileName));
  const writer = createErrorFileWriter(target, columns, { delimiter: csv.delimiter, quote: csv.quote });
  try {
    for await (const failed of failedRowsOf(store, batchId)) for (const row of rowsOfPayload(failed)) await writer.write(toErrorFileRow(row));
    const { path: written } = await writer.close();
    return written;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * Writes `<name>.errors.jsonl` for a JSON Lines batch from its open error payloads: each row's own keys with
 * their types, then bsync_row_number and bsync_error; a bad line as its text under bsync_line.
 */
export async function writeJsonlBatchErrorFile(store: Store, batchId: number, fileName: string, folder: string): Promise<string> {
  const writer = createJsonlErrorFileWriter(path.join(folder, errorFileName(fileName)));
  try {
    for await (const failed of failedRowsOf(store, batchId)) for (const row of rowsOfPayload(failed)) await writer.write(toJsonlErrorFileRow(row));
    const { path: written } = await writer.close();
    return written;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** A failed JSON Lines row as a line of its error file: the row as read (types kept), or a bad line's text. */
export function toJsonlErrorFileRow(errorPayload: ErrorPayloadRow): JsonlErrorFileRow {
  const rowNumber = parseIdempotencyKey(errorPayload.idempotency_key)?.originRowNumber ?? errorPayload.row_number;
  const error = errorPayload.error ?? '';
  const record = parseStoredOriginal(errorPayload.original_payload)?.record ?? {};
  const line = record[ERROR_FILE_LINE_COLUMN];
  if (typeof line === 'string' && Object.keys(record).length === 1) return { rowNumber, line, error };
  return { rowNumber, record, error };
}

/**
 * A failed row as a line of an error file: its columns as read from the file, its origin row number (kept
 * through replays, so the idempotency key stays the same) and why it failed.
 */
export function toErrorFileRow(errorPayload: ErrorPayloadRow): ErrorFileRow {
  const stored = parseStoredOriginal(errorPayload.original_payload);
  return {
    rowNumber: parseIdempotencyKey(errorPayload.idempotency_key)?.originRowNumber ?? errorPayload.row_number,
    record: failedRowRecord(errorPayload.original_payload),
    // A ragged row is written back whole, as read, so it fails again the same way until it is corrected.
    ...(stored?.ragged ? { fields: stored.ragged.fields } : {}),
    error: errorPayload.error ?? '',
  };
}

/**
 * The columns of a failed row as read from its file (stored as JSON in `original_payload`). For a ragged
 * row: keyed by every column of its header, a missing field as '' (for listing the columns; its error-file
 * line is written from its fields, see toErrorFileRow).
 */
export function failedRowRecord(text: string | null): Record<string, string> {
  const stored = parseStoredOriginal(text);
  if (!stored) return {};
  if (stored.ragged) {
    const { fields, columns } = stored.ragged;
    return Object.fromEntries(columns.map((column, index) => [column, fields[index] ?? '']));
  }
  return Object.fromEntries(Object.entries(stored.record).map(([key, field]) => [key, field === null || field === undefined ? '' : String(field)]));
}

/**
 * The rows an error payload stands for: itself, or each row of a failed group with its own original and key,
 * so the error file has every row and a replay groups them again under the same first row (the same key).
 */
export function rowsOfPayload(errorPayload: ErrorPayloadRow): ErrorPayloadRow[] {
  const members = readGroupOriginal(errorPayload.original_payload);
  if (!members) return [errorPayload];
  return members.map((member) => ({ ...errorPayload, row_number: member.rowNumber, idempotency_key: member.idempotencyKey, original_payload: member.original }));
}
