import { ERROR_FILE_ERROR_COLUMN, ERROR_FILE_LINE_COLUMN, ERROR_FILE_ROW_COLUMN, type JsonlRow } from '../jsonl';
import { parseLine } from '../jsonl/parse-line';
import { compileJsonRowSchema } from '../validation';
import type { ProcessorSettings } from './processor-settings';

/** A JSON Lines row ready to prepare: its record and stored original, or why it cannot be read. */
export type JsonlRowRead =
  | { originRow: number; record: Record<string, unknown>; original: string }
  | { originRow: number; error: string; original: string; unkeyed?: true };

const REPLAY_KEYS = new Set([ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN, ERROR_FILE_LINE_COLUMN]);

/**
 * The row as it goes on. A bad line keeps its text under bsync_line (its error file line, for an admin to
 * mend). In a replay (an error file parked again), bsync_row_number names the origin row, so the row keeps
 * its idempotency key, and the bsync_* keys are taken off before validation; a bad line mended in its
 * bsync_line is read from there.
 */
export function jsonlRowOf(row: JsonlRow, replay: boolean): JsonlRowRead {
  if (row.error !== undefined) return { originRow: row.rowNumber, error: row.error, original: badLineOriginal(row.text ?? '') };
  if (!replay) return { originRow: row.rowNumber, record: row.record, original: JSON.stringify(row.record) };

  const originRow = row.record[ERROR_FILE_ROW_COLUMN];
  if (typeof originRow !== 'number' || !Number.isSafeInteger(originRow) || originRow < 1) {
    // Without its origin row the row's idempotency key is unknown: guessing one could make the downstream
    // take it for another row and drop it, or send a delivered row twice. It fails, under a key of its own.
    const error = `the replay row has no ${ERROR_FILE_ROW_COLUMN} (a row number of the batch it replays), so its idempotency key is unknown`;
    return { originRow: row.rowNumber, error, original: JSON.stringify(row.record), unkeyed: true };
  }
  const line = row.record[ERROR_FILE_LINE_COLUMN];
  if (typeof line === 'string') {
    const parsed = parseLine(Buffer.from(line, 'utf8'), false);
    if ('error' in parsed) return { originRow, error: parsed.error, original: badLineOriginal(line) };
    return { originRow, record: parsed.record, original: JSON.stringify(parsed.record) };
  }
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(row.record)) {
    if (REPLAY_KEYS.has(key)) continue;
    Object.defineProperty(record, key, { value: row.record[key], writable: true, enumerable: true, configurable: true });
  }
  return { originRow, record, original: JSON.stringify(record) };
}

/** The stored original of a bad line: its text under bsync_line (empty for a line too long to keep). */
export function badLineOriginal(text: string): string {
  return JSON.stringify({ [ERROR_FILE_LINE_COLUMN]: text });
}

/**
 * A JSON Lines row has its types already: the row schema checks them as they are, without the conversion of
 * CSV text ("42" stays text). Without the schema's text (a validator given directly), the given one is used.
 */
export function jsonlSettings(settings: ProcessorSettings): ProcessorSettings {
  if (!settings.rowSchema) return settings;
  return { ...settings, validator: compileJsonRowSchema(settings.rowSchema) };
}
