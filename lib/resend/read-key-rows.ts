import { ERROR_FILE_ROW_COLUMN, errorFileDataColumns, readCsvRows, type CsvOptions } from '../csv';
import { readJsonlRows } from '../jsonl';
import { jsonlRowOf } from '../processing/jsonl-row';
import type { BatchFileFormat } from '../store';

/** One row of a batch file as it was read when it was delivered, with the row its idempotency key names. */
export interface KeyRow {
  rowNumber: number;
  /** The origin row (a replay file's bsync_row_number): the key stays `bsync-<origin batch>-<originRow>`. */
  originRow: number;
  /** The row's own fields, without the bsync ones a replay file has: CSV as text, JSON Lines as typed. */
  record: Record<string, unknown>;
}

export interface KeyRowsRead {
  rows: Map<number, KeyRow>;
  /** Rows that were found but cannot be sent again as they are, with the reason. */
  unreadable: Map<number, string>;
  /** CSV: the data columns of the file, in order (empty for JSON Lines). */
  columns: string[];
}

/**
 * Reads exactly the wanted rows of a batch file, in one streaming pass that stops after the last of them:
 * the same readers and the same row numbers as the row-processor's, so a row is the one that was delivered.
 */
export async function readKeyRows(
  filePath: string,
  file: { format: BatchFileFormat; replay: boolean; csv?: CsvOptions },
  wanted: ReadonlySet<number>,
): Promise<KeyRowsRead> {
  const last = Math.max(...wanted);
  const read: KeyRowsRead = { rows: new Map(), unreadable: new Map(), columns: [] };
  if (file.format === 'jsonl') {
    for await (const row of readJsonlRows(filePath)) {
      if (wanted.has(row.rowNumber)) {
        const line = jsonlRowOf(row, file.replay);
        if ('error' in line) read.unreadable.set(row.rowNumber, line.error);
        else read.rows.set(row.rowNumber, { rowNumber: row.rowNumber, originRow: line.originRow, record: line.record });
      }
      if (row.rowNumber >= last) break;
    }
    return read;
  }
  for await (const row of readCsvRows(filePath, file.csv)) {
    if (wanted.has(row.rowNumber)) {
      if (row.fieldCount !== row.expectedFieldCount) {
        read.unreadable.set(row.rowNumber, `row ${row.rowNumber} has ${row.fieldCount} fields where the header has ${row.expectedFieldCount}`);
      } else {
        const columns = errorFileDataColumns(Object.keys(row.record));
        if (read.columns.length === 0) read.columns = columns;
        // As the row-processor keyed it when it delivered the row (see readFileRows), so the key is the same.
        const originRow = ERROR_FILE_ROW_COLUMN in row.record ? Number(row.record[ERROR_FILE_ROW_COLUMN]) || row.rowNumber : row.rowNumber;
        read.rows.set(row.rowNumber, { rowNumber: row.rowNumber, originRow, record: Object.fromEntries(columns.map((column) => [column, row.record[column]])) });
      }
    }
    if (row.rowNumber >= last) break;
  }
  return read;
}
