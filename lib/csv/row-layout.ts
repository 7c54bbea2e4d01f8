import { ERROR_FILE_ERROR_COLUMN, ERROR_FILE_QUOTED_COLUMN, ERROR_FILE_QUOTED_VALUE, ERROR_FILE_ROW_COLUMN } from './error-file';
import { unquoteFormula } from './format-line';
import { columnsFromHeader } from './header';

export interface CsvRow {
  /** 1-based data row number, header excluded, blank lines not counted: stable for a given file (idempotency key). */
  rowNumber: number;
  /** Physical line in the file where the row starts, for messages. */
  line: number;
  /** Field values by column name. A short row lacks the keys of its missing fields; extra fields are left out. */
  record: Record<string, string>;
  /**
   * Every field of the row as read, in order, extra ones included (of an error file: its data fields, without
   * the bsync ones, formula quotes taken off). What a ragged row's error payload keeps: see rowOriginal.
   */
  fields: string[];
  /** Number of fields on this row. */
  fieldCount: number;
  /** Number of columns (header length, or options.columns length): a row with another fieldCount is ragged. */
  expectedFieldCount: number;
}

/** How the fields of each line of one file become a row. */
export interface RowLayout {
  /** The columns rows are keyed by, as the caller sees them (an error file's bsync_quoted is the reader's own). */
  readonly columns: string[];
  /** The row a line's fields make: built here whole, one object a row (a reader makes hundreds of thousands). */
  row(rowNumber: number, line: number, fields: string[]): CsvRow;
}

/** Rows keyed by position under the given or header columns. */
export function positionalLayout(columns: string[]): RowLayout {
  return {
    columns,
    row: (rowNumber, line, fields) => ({ rowNumber, line, record: toRecord(columns, fields), fields, fieldCount: fields.length, expectedFieldCount: columns.length }),
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
    row(rowNumber, line, fields) {
      if (fields.length < ERROR_FILE_TAIL.length) {
        // Not even the bsync fields: a broken line, ragged by any count.
        return { rowNumber, line, record: toRecord(dataColumns, fields), fields, fieldCount: fields.length, expectedFieldCount: columns.length };
      }
      const [originRow, error, quoted] = fields.slice(-ERROR_FILE_TAIL.length);
      const marked = quoted === ERROR_FILE_QUOTED_VALUE;
      const raw = fields.slice(0, -ERROR_FILE_TAIL.length);
      const data = marked ? raw.map(unquoteFormula) : raw;
      const record = toRecord(dataColumns, data);
      record[ERROR_FILE_ROW_COLUMN] = originRow;
      record[ERROR_FILE_ERROR_COLUMN] = marked ? unquoteFormula(error) : error;
      return { rowNumber, line, record, fields: data, fieldCount: data.length + 2, expectedFieldCount: columns.length };
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
