import fs from 'node:fs';
import path from 'node:path';
import { pipeline, type TransformCallback } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { parse, Parser, type Options } from 'csv-parse';
import { InvalidRequestError } from '../errors';
import { CsvFormatError } from './csv-format-error';
import { resolveCsvOptions, type CsvOptions, type ResolvedCsvOptions } from './csv-options';
import { CsvDecodeStream } from './decode-stream';
import { withFileEncoding } from './file-encoding';
import { FieldCountGuard } from './field-count-guard';
import { toCsvFormatError, type ParsePosition } from './parse-error';
import { QuickRecordCounter } from './quick-count';
import { headerLayout, positionalLayout, type CsvRow, type RowLayout } from './row-layout';

export { CsvFormatError, type CsvFormatErrorCode } from './csv-format-error';
export type { CsvOptions, CsvEncoding } from './csv-options';

export type { CsvRow } from './row-layout';

export interface CsvScan {
  columns: string[];
  rows: number;
}

/**
 * Bytes read from the file at a time while rows are taken one by one: some 25 to 60 rows of a typical batch
 * file. csv-parse turns a chunk into rows at once, and they wait until taken: rows that wait through two
 * scavenges are moved to the old generation and stay there, garbage, until the next full collection. At
 * 16 KiB a quarter-second's rows waited that long (the old generation grew some 300 bytes a row); at 4 KiB
 * about half as many bytes a row are promoted. Smaller chunks were no better (1 KiB: worse).
 */
const READ_CHUNK_BYTES = 4 * 1024;

/**
 * Bytes read at a time by a reader that takes rows many at once (a grouped run takes a group's rows together,
 * tens of thousands of rows a second): its rows wait milliseconds, not a scavenge, while each read of the file
 * costs a trip through the thread pool and the stream stages (some 60-200 µs on a slow VM, whatever its size).
 */
export const BULK_READ_CHUNK_BYTES = 64 * 1024;

/**
 * The records csv-parse made of one block of the file, with the parser's counters as they were when each record
 * was complete, index by index: lines read so far (the line the record ends on), bytes of the file read so far
 * (where the next record, or the blank lines before it, starts). Blank lines skipped go to `onRecord` only.
 */
interface RecordBlock {
  records: string[][];
  lines: number[];
  bytes: number[];
}

/**
 * Where a data row starts in the file, so a reader can begin there instead of parsing every row before it
 * (a partition of a large batch): the byte offset right after the row before it, how many data rows and lines
 * come before. Known for UTF-8 files only, whose bytes the parser counts as they are in the file.
 */
export interface CsvRowStart {
  rowNumber: number;
  byte: number;
  linesBefore: number;
}

/**
 * csv-parse giving the records of each block of the file together, with their counters (RecordBlock): one
 * stream object and one step of the reader's loop a block instead of one a record, and no object per record
 * for the counters (its own `info: true` builds two of a dozen fields each). Its `info` counters are live, and
 * a record is pushed right where `info: true` would have copied them.
 */
class RecordBlockParser extends Parser {
  private block: RecordBlock = emptyBlock();
  /** The line breaks inside quoted fields that csv-parse counted twice: each CRLF there (its CR, then its LF). */
  private crlfsCountedTwice = 0;
  private linesAtLastRecord = 0;

  /** `onRecord`: told each record's end line and blank lines so far as it is parsed, before anyone takes it. */
  constructor(
    options: Options,
    private readonly onRecord?: (lines: number, emptyLines: number, crlfsCountedTwice: number) => void,
  ) {
    // One block waiting at most (some 25 to 60 rows), as the reader takes them: bounds what is held ahead.
    super({ ...options, readableHighWaterMark: 1 } as Options);
  }

  override push(record: unknown, encoding?: BufferEncoding): boolean {
    if (record === null) {
      this.pushBlock();
      return super.push(null, encoding);
    }
    const { block, info } = this;
    const lines = this.linesSoFar(record as string[]);
    block.records.push(record as string[]);
    block.lines.push(lines);
    block.bytes.push(info.bytes);
    this.onRecord?.(lines, info.empty_lines, this.crlfsCountedTwice);
    return true;
  }

  /** The lines read so far, as a text editor numbers them: csv-parse's count, less its CRLFs counted twice. */
  private linesSoFar(record: string[]): number {
    const { lines } = this.info;
    // A record on one line holds no line break: only one that took more lines is looked into.
    if (lines - this.linesAtLastRecord > 1) {
      for (const field of record) if (field.includes('\r\n')) this.crlfsCountedTwice += field.split('\r\n').length - 1;
    }
    this.linesAtLastRecord = lines;
    return lines - this.crlfsCountedTwice;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (error?: Error | null) => {
      this.pushBlock();
      callback(error);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((error?: Error | null) => {
      this.pushBlock();
      callback(error);
    });
  }

  private pushBlock(): void {
    if (this.block.records.length === 0) return;
    const block = this.block;
    this.block = emptyBlock();
    super.push(block);
  }
}

function emptyBlock(): RecordBlock {
  return { records: [], lines: [], bytes: [] };
}

/**
 * Streams the data rows of a CSV file, one at a time, with backpressure: never the whole file in memory.
 * Rows up to and including `afterRow` are counted but not yielded (resume from a checkpoint).
 * Throws CsvFormatError when the file cannot be read as CSV; a ragged row is not an error, see fieldCount.
 */
export function readCsvRows(filePath: string, options?: CsvOptions, afterRow = 0, start?: CsvRowStart): AsyncIterable<CsvRow> {
  return oneByOne(readCsvRowBlocks(filePath, options, afterRow, start));
}

/**
 * The rows of readCsvRows in the blocks they are read in (some 25 to 60 rows, never an empty one): for a
 * reader that takes many rows, each block costs one step of the event loop, not each row.
 */
export function readCsvRowBlocks(
  filePath: string,
  options?: CsvOptions,
  afterRow = 0,
  start?: CsvRowStart,
  /** Bytes read from the file at a time: READ_CHUNK_BYTES unless given (BULK_READ_CHUNK_BYTES: see there). */
  chunkBytes = READ_CHUNK_BYTES,
): AsyncIterable<CsvRow[]> {
  if (start && afterRow < start.rowNumber - 1) throw new RangeError(`reading from row ${start.rowNumber} cannot resume after row ${afterRow}`);
  return readRows(filePath, resolveCsvOptions(options), afterRow, () => undefined, start, chunkBytes);
}

async function* oneByOne<T>(blocks: AsyncIterable<T[]>): AsyncGenerator<T, void, undefined> {
  for await (const block of blocks) yield* block;
}

/**
 * Where each of the given data rows starts (see CsvRowStart), in one pass over the file; undefined for a file
 * that is not UTF-8 (its bytes are transcoded before the parser counts them). Rows beyond the file are left out.
 */
export async function csvRowStarts(filePath: string, options: CsvOptions | undefined, rowNumbers: readonly number[]): Promise<CsvRowStart[] | undefined> {
  const resolved = await withFileEncoding(filePath, resolveCsvOptions(options));
  if (resolved.encoding !== 'utf8') return undefined;
  const wanted = new Set(rowNumbers.filter((row) => row > 1));
  const starts: CsvRowStart[] = [];
  const fileName = path.basename(filePath);
  const source = fs.createReadStream(filePath, { highWaterMark: 64 * 1024 });
  const parser = new RecordBlockParser(parserOptions(resolved));
  pipeline(source, decodeStream(fileName, resolved), parser, () => undefined);
  let rowNumber = resolved.header ? -1 : 0;
  try {
    blocks: for await (const { lines, bytes } of parser as AsyncIterable<RecordBlock>) {
      for (let index = 0; index < lines.length; index += 1) {
        rowNumber += 1;
        if (wanted.has(rowNumber + 1)) starts.push({ rowNumber: rowNumber + 1, byte: bytes[index], linesBefore: lines[index] });
        if (starts.length === wanted.size) break blocks;
      }
    }
  } finally {
    source.destroy();
  }
  return starts;
}

/**
 * Reads the whole file once, streaming, so a batch that cannot be read fails before any row is sent.
 * Returns the column names and the number of data rows.
 */
export async function scanCsv(filePath: string, options?: CsvOptions): Promise<CsvScan> {
  const resolved = await withFileEncoding(filePath, resolveCsvOptions(options));
  const quick = await quickScan(filePath, resolved);
  if (quick) return quick;
  try {
    return await countRows(filePath, resolved);
  } catch {
    // The file has a problem: read it again the careful way, which locates it (line numbers) for the error.
  }
  let columns: string[] = [];
  let rows = 0;
  for await (const block of readRows(filePath, resolved, 0, (found) => (columns = found))) {
    rows = block[block.length - 1].rowNumber;
  }
  return { columns, rows };
}

/**
 * The header's columns only, read from the first record: for a file scanned whole before (a partition of a
 * batch whose scan found every row readable), so its rows need not all be read again to learn them.
 */
export async function readCsvColumns(filePath: string, options?: CsvOptions): Promise<string[]> {
  let columns: string[] = [];
  // The header is read before the first row comes; leaving the loop at it closes the file.
  for await (const block of readRows(filePath, resolveCsvOptions(options), 0, (found) => (columns = found))) if (block) break;
  return columns;
}

/**
 * The quickest pass of scanCsv, for a plain file (no quotes, all LF or all CRLF lines: see QuickRecordCounter):
 * the decoder's checks and a count of its lines, no parser. Undefined whenever it cannot be sure of giving what
 * countRows gives (then that runs), a problem with the file included.
 */
export async function quickScan(filePath: string, options: ResolvedCsvOptions): Promise<CsvScan | undefined> {
  const { delimiter, quote } = options;
  const plainCharacters = delimiter !== quote && ![delimiter, quote].some((character) => character === '\n' || character === '\r');
  if (!plainCharacters || !FieldCountGuard.appliesTo(delimiter, quote, options.encoding)) return undefined;
  const fileName = path.basename(filePath);
  const counter = new QuickRecordCounter(quote);
  try {
    await pipelinePromise(fs.createReadStream(filePath), decodeStream(fileName, options), counter);
    const header = options.header ? counter.firstRecordText?.split(delimiter) : undefined;
    if (header && header.length > options.maxColumns) return undefined;
    const layout = header ? headerLayout(fileName, header, options.columns, 1, options.maxColumns) : options.header ? undefined : positionalLayout(givenColumns(options));
    const rows = options.header ? counter.records - 1 : counter.records;
    return layout && rows > 0 ? { columns: layout.columns, rows } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The quick pass of scanCsv: the same stages and parser settings as readRows, but no line bookkeeping
 * (line counters per record) and no row objects. Rejects on any problem, without locating it.
 */
function countRows(filePath: string, options: ResolvedCsvOptions): Promise<CsvScan> {
  return new Promise((resolve, reject) => {
    const fileName = path.basename(filePath);
    let layout = options.header ? undefined : positionalLayout(givenColumns(options));
    let rows = 0;
    const source = fs.createReadStream(filePath);
    const decoder = decodeStream(fileName, options);
    const parser = parse(parserOptions(options));
    parser.on('data', (record: string[]) => {
      try {
        if (record.length > options.maxColumns) throw new Error('too many fields');
        if (layout) rows += 1;
        else layout = headerLayout(fileName, record, options.columns, 1, options.maxColumns);
      } catch (error) {
        parser.destroy(error as Error);
      }
    });
    pipeline(source, decoder, parser, (error) => {
      if (error) reject(error);
      else if (rows === 0 || !layout) reject(new Error('no data rows'));
      else resolve({ columns: layout.columns, rows });
    });
  });
}

function decodeStream(fileName: string, options: ResolvedCsvOptions): CsvDecodeStream {
  return new CsvDecodeStream(fileName, options.encoding, {
    maxLineBytes: options.maxRowBytes,
    maxFields: { delimiter: options.delimiter, quote: options.quote, max: options.maxColumns, header: options.header },
  });
}

function parserOptions(options: ResolvedCsvOptions): Options {
  return {
    bom: true,
    delimiter: options.delimiter,
    quote: options.quote,
    // A quote inside a quoted field is written doubled (RFC 4180), whatever the quote character is.
    escape: options.quote,
    relax_column_count: true,
    skip_empty_lines: true,
    // Characters of a record's fields (a quote never closed makes one record of the rest of the file).
    max_record_size: options.maxRowBytes,
  };
}

async function* readRows(
  filePath: string,
  configured: ResolvedCsvOptions,
  afterRow: number,
  onColumns: (columns: string[]) => void,
  /** Begin at this row's bytes (the header is read first, on its own): rows before it are not parsed at all. */
  start?: CsvRowStart,
  chunkBytes = READ_CHUNK_BYTES,
): AsyncGenerator<CsvRow[], void, undefined> {
  const options = await withFileEncoding(filePath, configured);
  const fileName = path.basename(filePath);
  let layout: RowLayout | undefined = options.header ? undefined : positionalLayout(givenColumns(options));
  if (!layout && start) layout = headerLayout(fileName, await headerRecord(filePath, options), options.columns, 1, options.maxColumns);
  if (layout) onColumns(layout.columns);

  const linesBefore = start?.linesBefore ?? 0;
  // Where the last good record ended, as the parser made it (not as it was taken): what an error is located by.
  const position: ParsePosition = { lastRecordEndLine: linesBefore, emptyLinesBeforeIt: 0, maxRowBytes: options.maxRowBytes };
  // READ_CHUNK_BYTES at a time by default: fewer parsed rows wait long enough to be promoted (see there).
  const source = fs.createReadStream(filePath, { highWaterMark: chunkBytes, start: start?.byte });
  const decoder = decodeStream(fileName, options);
  const parser = new RecordBlockParser(parserOptions(options), (lines, emptyLines, crlfsCountedTwice) => {
    position.lastRecordEndLine = lines + linesBefore;
    position.emptyLinesBeforeIt = emptyLines;
    position.crlfsCountedTwice = crlfsCountedTwice;
  });
  // Any stage's error destroys the parser with it, so it reaches us through the loop below.
  pipeline(source, decoder, parser, () => undefined);

  let rowNumber = start ? start.rowNumber - 1 : 0;
  try {
    for await (const block of parser as AsyncIterable<RecordBlock>) {
      const rows: CsvRow[] = [];
      const { records } = block;
      for (let index = 0; index < records.length; index += 1) {
        const record = records[index];
        // The line the record starts on: where it ends, less the line breaks inside its quoted fields.
        const line = block.lines[index] + linesBefore - lineBreaksInside(record);
        if (record.length > options.maxColumns) throw tooWideError(fileName, record.length, options.maxColumns, line, layout === undefined);
        if (!layout) {
          layout = headerLayout(fileName, record, options.columns, line, options.maxColumns);
          onColumns(layout.columns);
          continue;
        }
        rowNumber += 1;
        if (rowNumber <= afterRow) continue;
        rows.push(layout.row(rowNumber, line, record));
      }
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    throw toCsvFormatError(error, fileName, position);
  } finally {
    // The consumer may stop early (break): release the file handle now, not at garbage collection.
    source.destroy();
  }

  if (rowNumber === 0) throw emptyFileError(fileName, decoder.bytesRead, layout !== undefined && options.header);
}

/** The first record of the file as read: its header. */
async function headerRecord(filePath: string, options: ResolvedCsvOptions): Promise<string[]> {
  const fileName = path.basename(filePath);
  const source = fs.createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES });
  const parser = new Parser({ ...parserOptions(options), to: 1 });
  pipeline(source, decodeStream(fileName, options), parser, () => undefined);
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
  } catch (error) {
    throw toCsvFormatError(error, fileName, { lastRecordEndLine: 0, emptyLinesBeforeIt: 0, maxRowBytes: options.maxRowBytes });
  } finally {
    source.destroy();
  }
  throw emptyFileError(fileName, 0, false);
}

function givenColumns(options: ResolvedCsvOptions): string[] {
  const columns = options.columns ?? [];
  if (columns.length === 0) throw new InvalidRequestError('a CSV file without a header line needs the column names (options.columns)');
  if (new Set(columns).size !== columns.length) throw new InvalidRequestError(`the column names must be unique: ${columns.join(', ')}`);
  return columns;
}

/** csv-parse reports the line a record ends on; a quoted field with line breaks makes the record start earlier. */
function lineBreaksInside(fields: string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.includes('\n') || field.includes('\r')) count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}

function emptyFileError(fileName: string, bytes: number, hasHeader: boolean): CsvFormatError {
  if (bytes === 0) return new CsvFormatError('CSV_EMPTY', fileName, 'the file is empty (0 bytes)');
  if (hasHeader) return new CsvFormatError('CSV_EMPTY', fileName, 'the file has a header line but no data rows');
  return new CsvFormatError('CSV_EMPTY', fileName, `the file holds no CSV rows, only blank lines (${bytes} bytes)`);
}

function tooWideError(fileName: string, fields: number, maxColumns: number, line: number, header: boolean): CsvFormatError {
  const what = header ? `the header has ${fields} columns` : `this row has ${fields} fields`;
  return new CsvFormatError(header ? 'CSV_HEADER' : 'CSV_MALFORMED', fileName, `${what}, more than the limit of ${maxColumns} (the maxColumns option)`, { line });
}
