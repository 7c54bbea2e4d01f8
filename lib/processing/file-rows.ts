import { BULK_READ_CHUNK_BYTES, csvRowStarts, ERROR_FILE_ERROR_COLUMN, ERROR_FILE_ROW_COLUMN, raggedRowReason, readCsvColumns, readCsvRowBlocks, rowOriginal, scanCsv, type CsvRow, type CsvRowStart } from '../csv';
import { idempotencyKey } from '../lineage';
import type { BatchFileFormat } from '../store';
import { readJsonlRows, scanJsonl, type JsonlRow } from '../jsonl';
import { jsonlRowOf, jsonlSettings, type JsonlRowRead } from './jsonl-row';
import { prepareRow, type PreparedRow, type RowPreparation } from './prepare-row';
import type { ProcessorSettings } from './processor-settings';
import { ReadAhead } from './read-ahead';
import { withMatch } from './row-match';
import { failedRow, unsendable, type RowWork } from './row-work';

/** What a first pass over a batch file found: how many rows, which columns, whether it is a replay. */
export interface BatchFileScan {
  format: BatchFileFormat;
  rows: number;
  /** Every column of the header, the replay columns included: a row's field count is checked against it. */
  headerColumns: string[];
  /**
   * The columns of the rows as they were read at first (an error file also has bsync_row_number, bsync_error).
   * A JSON Lines file has no header: each row has its own keys, and this is empty.
   */
  rowColumns: string[];
  /** An error file parked as a replay: each row carries its origin row number, which names its key. */
  replay: boolean;
}

/** How the batch file is to be read, and whether it is a replay of an earlier batch (it has a parent). */
export interface BatchFileKind {
  format: BatchFileFormat;
  /** A JSON Lines file has no header to tell an error file by: a replay is a batch parked as one. */
  replay: boolean;
}

/**
 * Throws CsvFormatError (JsonlFormatError) for input that cannot be read at all (malformed, wrong header,
 * empty). A bad line of a JSON Lines file is not thrown: it is that row's error.
 */
export async function scanBatchFile(filePath: string, settings: ProcessorSettings, kind: BatchFileKind = { format: 'csv', replay: false }): Promise<BatchFileScan> {
  if (kind.format === 'jsonl') {
    const scan = await scanJsonl(filePath);
    return { format: 'jsonl', rows: scan.rows, headerColumns: [], rowColumns: [], replay: kind.replay };
  }
  const scan = await scanCsv(filePath, settings.csv);
  return {
    format: 'csv',
    rows: scan.rows,
    headerColumns: scan.columns,
    rowColumns: scan.columns.filter((column) => column !== ERROR_FILE_ROW_COLUMN && column !== ERROR_FILE_ERROR_COLUMN),
    replay: scan.columns.includes(ERROR_FILE_ROW_COLUMN),
  };
}

/** Where the given rows start in a CSV file (one pass), for partitions to read from there; empty when unknown. */
export async function rowStartsOf(filePath: string, settings: ProcessorSettings, scan: BatchFileScan, rowNumbers: readonly number[]): Promise<Map<number, { byte: number; linesBefore: number }>> {
  if (scan.format !== 'csv') return new Map();
  const starts = await csvRowStarts(filePath, settings.csv, rowNumbers);
  return new Map((starts ?? []).map((start) => [start.rowNumber, { byte: start.byte, linesBefore: start.linesBefore }]));
}

/**
 * What a partition needs of its batch's file: the batch's scan found every row readable and counted them
 * (`totalRows`), so only the header is read again, not the whole file (which each partition would otherwise
 * pay for, over and over).
 */
export async function scanPartitionFile(filePath: string, settings: ProcessorSettings, kind: BatchFileKind, totalRows: number): Promise<BatchFileScan> {
  if (kind.format === 'jsonl') return { format: 'jsonl', rows: totalRows, headerColumns: [], rowColumns: [], replay: kind.replay };
  const columns = await readCsvColumns(filePath, settings.csv);
  return {
    format: 'csv',
    rows: totalRows,
    headerColumns: columns,
    rowColumns: columns.filter((column) => column !== ERROR_FILE_ROW_COLUMN && column !== ERROR_FILE_ERROR_COLUMN),
    replay: columns.includes(ERROR_FILE_ROW_COLUMN),
  };
}

/**
 * The rows after `afterRow`, read and prepared (validated, mapped) a few ahead while requests are out: see
 * ReadAhead. Each row carries the key of its origin row, the same through resumes and replays.
 */
export function readFileRows(
  filePath: string,
  scan: BatchFileScan,
  originBatchId: number,
  settings: ProcessorSettings & RowPreparation,
  afterRow: number,
  /** The batch being read; keys a replay row that does not say its origin row (JSON Lines). */
  batchId = originBatchId,
  /** A partition reads its row range only: the rows after `afterRow` up to this one. */
  lastRow = Infinity,
  /** Where the partition's first row starts in the file: read from there, not from the top. */
  start?: CsvRowStart,
): ReadAhead<CsvRow, RowWork> | ReadAhead<JsonlRow, RowWork> {
  if (scan.format === 'jsonl') {
    const jsonl = jsonlSettings(settings);
    return new ReadAhead(
      oneEach(readJsonlRows(filePath, {}, afterRow), lastRow),
      (row: JsonlRow) => prepareJsonlRow(row.rowNumber, jsonlRowOf(row, scan.replay), originBatchId, batchId, jsonl),
      settings.concurrency,
    );
  }
  // The row as read is the record sent when nothing of it is left out: no copy of it for every row.
  const grouped = settings.ownBodySent === false;
  const recordAsRead = !scan.replay && scan.rowColumns.length === scan.headerColumns.length && !scan.rowColumns.includes('__proto__');
  return new ReadAhead(
    // A grouped run takes a group's rows at once: the file in large reads (see BULK_READ_CHUNK_BYTES).
    blocksUpTo(readCsvRowBlocks(filePath, settings.csv, afterRow, start, settings.group ? BULK_READ_CHUNK_BYTES : undefined), lastRow),
    (row: CsvRow) => {
      const originRow = scan.replay ? replayOriginRow(row.record[ERROR_FILE_ROW_COLUMN]) : row.rowNumber;
      if (originRow === undefined) return unkeyedReplayRow(row, scan.rowColumns, batchId);
      let record: Record<string, string> = row.record;
      if (!recordAsRead) {
        record = {};
        for (const column of scan.rowColumns) if (row.record[column] !== undefined) record[column] = row.record[column];
      }
      const ragged = raggedRowReason(row, scan.rowColumns, originRow);
      // A ragged row is kept whole (every field, in order), so its error-file line and replay stay ragged. A row
      // needs its original only if it fails (a row of a group: if its group fails): written then, from the row
      // as read. A key-matched row is copied with its match (withMatch), which a written-later original would not survive.
      const original = (grouped || !settings.matching) && !ragged ? new OriginalOfRow(row, scan.rowColumns) : rowOriginal(row, scan.rowColumns);
      return prepareFileRow(row.rowNumber, ragged, original, record, idempotencyKey(originBatchId, originRow), settings);
    },
    settings.concurrency,
  );
}

/** The blocks of rows up to `lastRow` (all of them when it is Infinity, with no extra step per block). */
function blocksUpTo<T extends { rowNumber: number }>(blocks: AsyncIterable<T[]>, lastRow: number): AsyncIterable<T[]> {
  return lastRow === Infinity ? blocks : blocksOfRange(blocks, lastRow);
}

/** Leaving early closes the file: the for-await returns the source. */
async function* blocksOfRange<T extends { rowNumber: number }>(blocks: AsyncIterable<T[]>, lastRow: number): AsyncGenerator<T[], void, undefined> {
  for await (const block of blocks) {
    if (block[block.length - 1].rowNumber <= lastRow) {
      yield block;
      continue;
    }
    const inRange = block.filter((row) => row.rowNumber <= lastRow);
    if (inRange.length > 0) yield inRange;
    return;
  }
}

/** Each row as a block of its own, up to `lastRow`. Leaving early closes the file: the for-await returns the source. */
async function* oneEach<T extends { rowNumber: number }>(rows: AsyncIterable<T>, lastRow: number): AsyncGenerator<T[], void, undefined> {
  for await (const row of rows) {
    if (row.rowNumber > lastRow) return;
    yield [row];
  }
}

/** The origin row a CSV replay row names in its bsync_row_number: digits only, from 1; undefined otherwise. */
function replayOriginRow(text: string | undefined): number | undefined {
  const originRow = text !== undefined && /^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : undefined;
  return originRow !== undefined && Number.isSafeInteger(originRow) ? originRow : undefined;
}

/**
 * A CSV replay row without its origin row: its idempotency key is unknown, and guessing one (its own row
 * number) could make the downstream take it for another row and drop it. It fails, under a key of its own,
 * as a JSON Lines replay row does.
 */
function unkeyedReplayRow(row: CsvRow, rowColumns: readonly string[], batchId: number): RowWork {
  const key = idempotencyKey(batchId, row.rowNumber);
  const original = rowOriginal(row, rowColumns);
  const error = `the replay row has no valid ${ERROR_FILE_ROW_COLUMN} (a row number of the batch it replays), so its idempotency key is unknown`;
  return { rowNumber: row.rowNumber, key, original, result: unsendable(failedRow(row.rowNumber, null, original, key, 'read', error)) };
}

/** A JSON Lines row: a bad line fails as a `read` error on its own; a record is validated as it is typed. */
async function prepareJsonlRow(rowNumber: number, read: JsonlRowRead, originBatchId: number, batchId: number, settings: ProcessorSettings): Promise<RowWork> {
  const key = 'unkeyed' in read && read.unkeyed ? idempotencyKey(batchId, rowNumber) : idempotencyKey(originBatchId, read.originRow);
  if ('error' in read) return { rowNumber, key, original: read.original, result: unsendable(failedRow(rowNumber, null, read.original, key, 'read', read.error)) };
  return prepareFileRow(rowNumber, undefined, read.original, read.record, key, settings);
}

/**
 * Everything before sending: the row as read, the field count check, validation, mapping, path. The row's work
 * as it is when nothing had to wait (see prepareRow), a promise of it otherwise.
 */
function prepareFileRow(
  rowNumber: number,
  raggedReason: string | undefined,
  originalOrRow: string | OriginalOfRow,
  record: Record<string, unknown>,
  key: string,
  settings: ProcessorSettings,
): RowWork | Promise<RowWork> {
  // An unsendable row is stored at once: its original is written now (String of an OriginalOfRow writes it).
  if (raggedReason) {
    const original = String(originalOrRow);
    return { rowNumber, key, original, result: unsendable(failedRow(rowNumber, null, original, key, 'validation', raggedReason)) };
  }
  const prepared = prepareRow(record, settings);
  if (prepared instanceof Promise) return prepared.then((done) => fileRowWork(rowNumber, originalOrRow, record, key, settings, done));
  return fileRowWork(rowNumber, originalOrRow, record, key, settings, prepared);
}

function fileRowWork(rowNumber: number, originalOrRow: string | OriginalOfRow, record: Record<string, unknown>, key: string, settings: ProcessorSettings, prepared: PreparedRow): RowWork {
  if (!prepared.ok) {
    const original = String(originalOrRow);
    const failure = { ...failedRow(rowNumber, prepared.body, original, key, prepared.errorKind, prepared.error), errorDetail: prepared.errorDetail };
    return { rowNumber, key, original, result: unsendable(failure) };
  }
  const request = { path: prepared.path, body: prepared.body, contentType: 'application/json' };
  if (typeof originalOrRow !== 'string') return new RowWorkOfRowRead(rowNumber, key, originalOrRow, request, record, prepared.value);
  const work: RowWork = { rowNumber, key, original: originalOrRow, request, record, value: prepared.value };
  return settings.matching ? withMatch(work, record, settings) : work;
}

/** A CSV row's stored original (rowOriginal), written when it is first asked for. */
class OriginalOfRow {
  constructor(
    private readonly row: CsvRow,
    private readonly columns: readonly string[],
  ) {}

  toString(): string {
    return rowOriginal(this.row, this.columns);
  }
}

/**
 * A prepared row whose original is written only when asked for (the row, or its group, failed), and then
 * once. The row as read is held instead, which it holds anyway (its record).
 */
class RowWorkOfRowRead implements RowWork {
  private originalText?: string;

  constructor(
    readonly rowNumber: number,
    readonly key: string,
    private readonly originalOf: OriginalOfRow,
    readonly request: NonNullable<RowWork['request']>,
    readonly record: Readonly<Record<string, unknown>>,
    readonly value: unknown,
  ) {}

  get original(): string {
    this.originalText ??= this.originalOf.toString();
    return this.originalText;
  }
}
