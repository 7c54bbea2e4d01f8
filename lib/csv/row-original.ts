import type { CsvRow } from './read-rows';

/**
 * In the stored original of a ragged row: every field as read, in order. A ragged row has no faithful
 * column-keyed form (an extra field has no column, a missing one no value), so the fields are kept whole
 * beside the columns that do match, and the row can be written back exactly as it was.
 */
export const RAGGED_FIELDS_KEY = 'bsync_fields';
/** In the stored original of a ragged row: the header's data columns it was read against. */
export const RAGGED_COLUMNS_KEY = 'bsync_columns';

/** A stored original read back: the row by column, and for a ragged row its fields and header as read. */
export interface StoredOriginal {
  record: Record<string, unknown>;
  ragged?: { fields: string[]; columns: string[] };
}

/** Why a row cannot be sent as it is: its field count is not the header's. Undefined for a well-formed row. */
export function raggedRowReason(row: Pick<CsvRow, 'fields'>, dataColumns: readonly string[], rowNumber: number): string | undefined {
  if (row.fields.length === dataColumns.length) return undefined;
  return `row ${rowNumber} has ${row.fields.length} fields, the header has ${dataColumns.length}`;
}

/**
 * What an error payload keeps of a row as read (`original_payload`): JSON of its data columns; for a ragged
 * row also every field in order and the header, so its error-file line and its replay are ragged too.
 */
export function rowOriginal(row: Pick<CsvRow, 'record' | 'fields'>, dataColumns: readonly string[]): string {
  if (row.fields.length === dataColumns.length) {
    const written = writtenInOrder(row.record, dataColumns);
    if (written !== undefined) return written;
  }
  const record: Record<string, unknown> = {};
  for (const column of dataColumns) {
    if (!Object.prototype.hasOwnProperty.call(row.record, column)) continue;
    Object.defineProperty(record, column, { value: row.record[column], writable: true, enumerable: true, configurable: true });
  }
  if (row.fields.length === dataColumns.length) return JSON.stringify(record);
  record[RAGGED_FIELDS_KEY] = row.fields;
  record[RAGGED_COLUMNS_KEY] = dataColumns;
  return JSON.stringify(record);
}

/**
 * The JSON text JSON.stringify gives for the row's columns in their order, written directly: the object built
 * only to be stringified cost a twentieth of a grouped run. Undefined where the two could differ (a column
 * that is an array index, which JSON.stringify puts first; a repeated column; a value that is not text): the
 * caller then builds the object.
 */
function writtenInOrder(record: Readonly<Record<string, string>>, dataColumns: readonly string[]): string | undefined {
  const keys = columnKeys(dataColumns);
  if (!keys) return undefined;
  let text = '';
  for (let index = 0; index < dataColumns.length; index += 1) {
    const column = dataColumns[index];
    if (!Object.prototype.hasOwnProperty.call(record, column)) continue;
    const value = record[column];
    if (typeof value !== 'string') return undefined;
    text += `${text === '' ? '{' : ','}${keys[index]}${JSON.stringify(value)}`;
  }
  return text === '' ? '{}' : `${text}}`;
}

/** Each column's `"name":`, once per header (the reader passes the same list for every row of a file). */
const keysOfColumns = new WeakMap<readonly string[], string[] | null>();

function columnKeys(dataColumns: readonly string[]): string[] | undefined {
  let keys = keysOfColumns.get(dataColumns);
  if (keys === undefined) {
    const orderKept = new Set(dataColumns).size === dataColumns.length && !dataColumns.some(isArrayIndex);
    keys = orderKept ? dataColumns.map((column) => `${JSON.stringify(column)}:`) : null;
    keysOfColumns.set(dataColumns, keys);
  }
  return keys ?? undefined;
}

/** A property name JavaScript orders before all others, ascending: a canonical integer below 2^32 - 1. */
function isArrayIndex(name: string): boolean {
  if (!/^(?:0|[1-9][0-9]*)$/.test(name)) return false;
  return Number(name) < 2 ** 32 - 1;
}

/**
 * Why a row object cannot be sent: it is the stored original of a ragged row (an error payload resent without
 * a correction). Undefined for any other row.
 */
export function raggedOriginalReason(row: Record<string, unknown>): string | undefined {
  const fields = row[RAGGED_FIELDS_KEY];
  const columns = row[RAGGED_COLUMNS_KEY];
  if (!Array.isArray(fields) && !Array.isArray(columns)) return undefined;
  const counts = Array.isArray(fields) && Array.isArray(columns) ? `it has ${fields.length} fields, the header has ${columns.length}` : 'it was read with the wrong number of fields';
  return `the row cannot be sent as read: ${counts}; correct it (without ${RAGGED_FIELDS_KEY} and ${RAGGED_COLUMNS_KEY}) first`;
}

/** Reads an original_payload back; undefined when it is not a JSON object. */
export function parseStoredOriginal(text: string | null): StoredOriginal | undefined {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { [RAGGED_FIELDS_KEY]: fields, [RAGGED_COLUMNS_KEY]: columns, ...record } = value as Record<string, unknown>;
  if (isStringList(fields) && isStringList(columns)) return { record, ragged: { fields, columns } };
  return { record: value as Record<string, unknown> };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
