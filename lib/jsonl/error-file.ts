import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { ERROR_FILE_ERROR_COLUMN, ERROR_FILE_ROW_COLUMN } from '../csv/error-file';

export { ERROR_FILE_ERROR_COLUMN, ERROR_FILE_ROW_COLUMN, errorFileName } from '../csv/error-file';

/** A line that was not a JSON object is kept as its text under this key, so an admin can mend it. */
export const ERROR_FILE_LINE_COLUMN = 'bsync_line';

export type JsonlErrorFileRow =
  | { rowNumber: number; record: Record<string, unknown>; error: string }
  | { rowNumber: number; line: string; error: string };

export interface JsonlErrorFileWriter {
  write(row: JsonlErrorFileRow): Promise<void>;
  /** Finishes the file and moves it under its final name. */
  close(): Promise<{ path: string; rows: number }>;
  /** Drops the partial file; nothing appears under the final name. */
  abort(): Promise<void>;
}

/**
 * Writes failed rows as JSON Lines: each row's own fields, with their types, followed by bsync_row_number
 * (the origin row, so a replay keeps its idempotency key) and bsync_error, as the CSV error file has them.
 * It reads back with readJsonlRows. Written to `<filePath>.tmp` and renamed on close, so a crash never
 * leaves a half file under the final name.
 */
export function createJsonlErrorFileWriter(filePath: string): JsonlErrorFileWriter {
  const temporaryPath = `${filePath}.tmp`;
  const stream = fs.createWriteStream(temporaryPath, { flush: true });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

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
      rows += 1;
      if (!stream.write(`${JSON.stringify(errorLine(row))}\n`)) await drained(stream);
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

function errorLine(row: JsonlErrorFileRow): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  if ('record' in row) {
    // The error file of a replay batch comes from an error file: its bsync keys are written once, at the end.
    for (const key of Object.keys(row.record)) {
      if (key === ERROR_FILE_ROW_COLUMN || key === ERROR_FILE_ERROR_COLUMN || key === ERROR_FILE_LINE_COLUMN) continue;
      Object.defineProperty(line, key, { value: row.record[key], writable: true, enumerable: true, configurable: true });
    }
  } else {
    line[ERROR_FILE_LINE_COLUMN] = row.line;
  }
  line[ERROR_FILE_ROW_COLUMN] = row.rowNumber;
  line[ERROR_FILE_ERROR_COLUMN] = row.error;
  return line;
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
