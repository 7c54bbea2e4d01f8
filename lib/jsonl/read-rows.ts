import fs from 'node:fs';
import path from 'node:path';
import { JsonlFormatError } from './jsonl-format-error';
import { isBlank, parseLine } from './parse-line';
import { splitLines } from './split-lines';

export { JsonlFormatError, type JsonlFormatErrorCode } from './jsonl-format-error';

interface RowPosition {
  /** 1-based data row number, blank lines not counted: stable for a given file (idempotency key). */
  rowNumber: number;
  /** Physical line in the file, for messages. */
  line: number;
}

/** A row of a JSON Lines file: its record, or (a bad line) the reason, which is that row's error only. */
export type JsonlRow =
  | (RowPosition & { record: Record<string, unknown>; error?: undefined; text?: undefined })
  // `text`: the bad line as text (bytes that are not UTF-8 shown as U+FFFD, a BOM kept), for its error payload and error
  // file; absent for a line too long to keep.
  | (RowPosition & { record?: undefined; error: string; text?: string });

export interface JsonlProblem extends RowPosition {
  error: string;
}

export interface JsonlScan {
  rows: number;
  /** Every bad line is counted; the first MAX_SCAN_PROBLEMS are listed. */
  problemCount: number;
  problems: JsonlProblem[];
}

export interface JsonlReadOptions {
  /** A longer line is that row's error, and is not held in memory. Default 16 MiB. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const MAX_SCAN_PROBLEMS = 100;
const READ_CHUNK_BYTES = 64 * 1024;
const lenientDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Streams the rows of a JSON Lines file (`.jsonl`, `.ndjson`: one JSON object a line), one at a time, with
 * backpressure: never the whole file in memory. Rows up to and including `afterRow` are counted but not
 * yielded (resume from a checkpoint). Throws JsonlFormatError when the file holds no rows at all.
 */
export async function* readJsonlRows(filePath: string, options: JsonlReadOptions = {}, afterRow = 0): AsyncGenerator<JsonlRow, void, undefined> {
  const fileName = path.basename(filePath);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const source = openFile(filePath, fileName);
  let rowNumber = 0;
  let bytesRead = 0;
  try {
    for await (const raw of splitLines(source, maxLineBytes)) {
      bytesRead += raw.length + 1;
      if (raw.bytes !== undefined && isBlank(raw.bytes)) continue;
      rowNumber += 1;
      if (rowNumber <= afterRow) continue;
      if (raw.bytes === undefined) {
        yield { rowNumber, line: raw.line, error: `the line is ${raw.length} bytes long, more than the limit of ${maxLineBytes}` };
        continue;
      }
      const parsed = parseLine(raw.bytes, raw.line === 1);
      yield 'record' in parsed
        ? { rowNumber, line: raw.line, record: parsed.record }
        : { rowNumber, line: raw.line, error: parsed.error, text: lenientDecoder.decode(raw.bytes) };
    }
  } catch (error) {
    if (error instanceof JsonlFormatError) throw error;
    throw new JsonlFormatError('JSONL_UNREADABLE', fileName, `the file cannot be read: ${(error as Error).message}`, error);
  } finally {
    // The consumer may stop early (break): release the file handle now, not at garbage collection.
    source.destroy();
  }
  if (rowNumber === 0) {
    throw new JsonlFormatError('JSONL_EMPTY', fileName, bytesRead <= 1 ? 'the file is empty (0 bytes)' : 'the file holds no JSON lines, only blank lines');
  }
}

/**
 * Reads the whole file once, streaming, before anything is sent: the number of rows and the bad lines
 * (each one will be its row's error payload; the others can still be sent).
 */
export async function scanJsonl(filePath: string, options: JsonlReadOptions = {}): Promise<JsonlScan> {
  const scan: JsonlScan = { rows: 0, problemCount: 0, problems: [] };
  for await (const row of readJsonlRows(filePath, options)) {
    scan.rows = row.rowNumber;
    if (row.error === undefined) continue;
    scan.problemCount += 1;
    if (scan.problems.length < MAX_SCAN_PROBLEMS) scan.problems.push({ rowNumber: row.rowNumber, line: row.line, error: row.error });
  }
  return scan;
}

function openFile(filePath: string, fileName: string): fs.ReadStream {
  try {
    return fs.createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES });
  } catch (error) {
    throw new JsonlFormatError('JSONL_UNREADABLE', fileName, `the file cannot be read: ${(error as Error).message}`, error);
  }
}
