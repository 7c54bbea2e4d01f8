import { ERROR_FILE_ERROR_COLUMN, ERROR_FILE_QUOTED_COLUMN, ERROR_FILE_QUOTED_VALUE, ERROR_FILE_ROW_COLUMN } from './error-file';
import { unquoteFormula } from './format-line';
import { columnsFromHeader } from './header';

/** A line's fields as a row: keyed by column, and the fields themselves, whole. */
export interface LaidOutRow {
  record: Record<string, string>;
  /** The data fields in order, every one of them (of an error file: without its bsync fields). */
  fields: string[];
  /** Fields the row has, counted like `expectedFieldCount`: a row with another count is ragged. */
  fieldCount: number;
  expectedFieldCount: number;
}

/** How the fields of each line of one file become a row. */
export interface RowLayout {
  /** The columns rows are keyed by, as the caller sees them (an error file's bsync_quoted is the reader's own). */
  readonly columns: string[];
  layOut(fields: string[]): LaidOutRow;
}

/** Rows keyed by position under the given or header columns. */
export function positionalLayout(columns: string[]): RowLayout {
  return {
    columns,
    layOut: (fields) => ({ record: toRecord(columns, fields), fields, fieldCount: fields.length, expectedFieldCount: columns.length }),
  };
}

const ERROR_FILE_TAIL = [ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN, ERROR_FILE_QUOTED_COLUMN];

/**
 * The layout a header line announces. An error file we wrote (its header ends with bsync_row_number,
 * bsync_error, bsync_quoted) is read from both ends: the last three fields of a line are the bsync ones
 * and everything before them is the row's data, so a ragged row stays ragged; the formula quote the
 * writer added is taken off again (exactly one ', on rows marked `yes`).
 */
export function headerLayout(fileName: string, headerFields: string[], required: string[] | undefined, line: number, maxColumns: number): RowLayout {
  const tail = headerFields.slice(-ERROR_FILE_TAIL.length).map((field) => field.trim());
  const isErrorFile = headerFields.length >= ERROR_FILE_TAIL.length && tail.every((name, index) => name === ERROR_FILE_TAIL[index]);
  if (!isErrorFile) return positionalLayout(columnsFromHeader(fileName, headerFields, required, line, maxColumns));

  const dataHeader = headerFields.slice(0, -ERROR_FILE_TAIL.length).map(unquoteFormula);
  const columns = columnsFromHeader(fileName, [...dataHeader, ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN], required, line, maxColumns);
  const dataColumns = columns.slice(0, -2);
  return {
    columns,
    layOut(fields) {
      if (fields.length < ERROR_FILE_TAIL.length) {
        // Not even the bsync fields: a broken line, ragged by any count.
        return { record: toRecord(dataColumns, fields), fields, fieldCount: fields.length, expectedFieldCount: columns.length };
      }
      const [rowNumber, error, quoted] = fields.slice(-ERROR_FILE_TAIL.length);
      const marked = quoted === ERROR_FILE_QUOTED_VALUE;
      const raw = fields.slice(0, -ERROR_FILE_TAIL.length);
      const data = marked ? raw.map(unquoteFormula) : raw;
      const record = toRecord(dataColumns, data);
      record[ERROR_FILE_ROW_COLUMN] = rowNumber;
      record[ERROR_FILE_ERROR_COLUMN] = marked ? unquoteFormula(error) : error;
      return { record, fields: data, fieldCount: data.length + 2, expectedFieldCount: columns.length };
    },
  };
}

function toRecord(columns: string[], fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  const count = Math.min(columns.length, fields.length);
  for (let index = 0; index < count; index += 1) {
    const column = columns[index];
    // Defined, not assigned, like Object.fromEntries: a column named "__proto__" stays a plain field.
    if (column === '__proto__') Object.defineProperty(record, column, { value: fields[index], writable: true, enumerable: true, configurable: true });
    else record[column] = fields[index];
  }
  return record;
}
