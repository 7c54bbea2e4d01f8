import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { CsvOptions } from './csv-options';
import { fitName, FREE_SUFFIX_BYTES, MAX_NAME_BYTES } from '../files/fit-name';
import { UTF8_BOM } from './file-encoding';
import { formatCsvLine, quoteFormula } from './format-line';

/** Origin row number of the failed row: a replay keeps it, so the idempotency key stays the same. */
export const ERROR_FILE_ROW_COLUMN = 'bsync_row_number';
/** Why the row failed, in plain words. */
export const ERROR_FILE_ERROR_COLUMN = 'bsync_error';
/**
 * The last column of an error file we write. `yes` on a row says its cells carry the formula quote (see
 * quoteFormula): readCsvRows takes exactly that one ' off again, so a replay sends each value as it was read.
 * A row an admin adds by hand, without `yes`, is read as it is.
 */
export const ERROR_FILE_QUOTED_COLUMN = 'bsync_quoted';
export const ERROR_FILE_QUOTED_VALUE = 'yes';

export interface ErrorFileRow {
  /** The origin row number (for a replay batch: the value of its bsync_row_number column, not its own row number). */
  rowNumber: number;
  record: Record<string, string>;
  /**
   * A ragged row (more or fewer fields than the header): every field as read, in order, written as it is
   * instead of by column, so the line stays ragged and its replay fails the same way until it is corrected.
   */
  fields?: readonly string[];
  error: string;
}

/** The data columns of an error file: the original columns, without bsync columns an earlier error file had. */
export function errorFileDataColumns(columns: readonly string[]): string[] {
  return columns.filter((column) => column !== ERROR_FILE_ROW_COLUMN && column !== ERROR_FILE_ERROR_COLUMN && column !== ERROR_FILE_QUOTED_COLUMN);
}

/**
 * The start of an error file (or an export) with these data columns: the UTF-8 byte order mark, then the header
 * line. The mark says the file is UTF-8 to a spreadsheet, and to a row-processor set to another encoding that
 * reads it back for a replay (see withFileEncoding).
 */
export function errorFileHeader(dataColumns: readonly string[], delimiter: string, quote: string): string {
  return UTF8_BOM + formatCsvLine([...dataColumns.map(quoteFormula), ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN, ERROR_FILE_QUOTED_COLUMN], delimiter, quote);
}

/** One failed row as a line of an error file (or an export): formula-like cells quoted, a ragged row whole. */
export function errorFileLine(dataColumns: readonly string[], row: ErrorFileRow, delimiter: string, quote: string): string {
  const values = row.fields ?? dataColumns.map((column) => row.record[column] ?? '');
  return formatCsvLine([...values.map(quoteFormula), String(row.rowNumber), quoteFormula(row.error), ERROR_FILE_QUOTED_VALUE], delimiter, quote);
}

export interface ErrorFileWriter {
  write(row: ErrorFileRow): Promise<void>;
  /** Finishes the file and moves it under its final name. */
  close(): Promise<{ path: string; rows: number }>;
  /** Drops the partial file; nothing appears under the final name. */
  abort(): Promise<void>;
}

/**
 * 'bank.csv' -> 'bank.errors.csv'; 'bank' -> 'bank.errors.csv'; 'bank.errors.csv' -> 'bank.errors.errors.csv'.
 * A name too long for the file system is shortened (see fitName), with room left for a free-name suffix.
 */
export function errorFileName(fileName: string): string {
  const extension = path.extname(fileName);
  const stem = extension ? fileName.slice(0, -extension.length) : fileName;
  return fitName(stem, '.errors', extension || '.csv', MAX_NAME_BYTES - FREE_SUFFIX_BYTES);
}

/**
 * Writes failed rows as CSV (UTF-8 with a byte order mark, CRLF): the original columns plus bsync_row_number, bsync_error and
 * bsync_quoted, so an admin can correct the file and it can be read back with readCsvRows for a replay.
 * Cells that a spreadsheet would run as a formula are written with a leading ' (see quoteFormula). The file is written to
 * `<filePath>.tmp` (shortened if that is too long a name) and renamed on close, so a crash never leaves a half file under the final name.
 */
export function createErrorFileWriter(
  filePath: string,
  columns: string[],
  options: Pick<CsvOptions, 'delimiter' | 'quote'> = {},
): ErrorFileWriter {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  // The error file of a replay batch comes from an error file: keep its bsync columns once, at the end.
  const dataColumns = errorFileDataColumns(columns);
  const temporaryPath = path.join(path.dirname(filePath), fitName(path.basename(filePath), '.tmp'));
  // flush: the data is on disk before the rename makes the file visible under its final name.
  const stream = fs.createWriteStream(temporaryPath, { flush: true });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  stream.write(errorFileHeader(dataColumns, delimiter, quote));

  function assertOpen(): void {
    if (state !== 'open') throw new Error(`the error file ${path.basename(filePath)} is already ${state}`);
    if (failure) throw failure;
  }

  async function abort(): Promise<void> {
    if (state === 'aborted') return;
    state = 'aborted';
    if (!stream.closed) {
      stream.destroy();
      await once(stream, 'close');
    }
    await fs.promises.rm(temporaryPath, { force: true });
  }

  return {
    async write(row) {
      assertOpen();
      const line = errorFileLine(dataColumns, row, delimiter, quote);
      rows += 1;
      if (!stream.write(line)) await drained(stream);
    },

    async close() {
      assertOpen();
      state = 'closed';
      try {
        stream.end();
        await finished(stream);
        await fs.promises.rename(temporaryPath, filePath);
      } catch (error) {
        await abort();
        throw error;
      }
      return { path: filePath, rows };
    },

    abort,
  };
}

/** Backpressure: wait until the stream takes more, without hanging if it fails or is aborted meanwhile. */
function drained(stream: fs.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off('drain', onDrain).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('the error file was closed while a row was being written'));
    stream.on('drain', onDrain).on('error', settle).on('close', onClose);
  });
}
