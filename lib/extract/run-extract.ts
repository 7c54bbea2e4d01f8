import path from 'node:path';
import { DatabaseUnavailableError, InvalidRequestError, describeError } from '../errors';
import { isUnreachable } from '../store/store-connection';
import { assertColumnsExist, lookupColumns, type ColumnInfo } from '../source/column-kinds';
import type { Source } from '../source/open-source';
import { SourceQueryError } from '../source/source-errors';
import type { Store } from '../store/open-store';
import type { BatchFileFormat, BatchRow } from '../store/tables';
import { findWatermark } from '../store/watermarks/get-watermark';
import { parkExtractedBatch } from '../store/watermarks/park-extracted-batch';
import { WatermarkMovedError } from '../store/watermarks/watermark-errors';
import { batchFileName, createBatchFileWriter, type WrittenBatchFile } from './batch-file';
import { markInFlight, removeLeftoverFiles } from './leftover-files';
import type { ExtractSettings } from './extract-settings';
import { readPage, type PageStart } from './read-page';
import { bindingValue, lookbackBound } from './watermark-values';

export type ParkedExtractBatch = BatchRow & { format: BatchFileFormat };

export interface ExtractRun {
  /** The batches parked by this run, in order (none when nothing changed). */
  batches: ParkedExtractBatch[];
  /** Rows in each batch, in the order of `batches`. */
  batchRows: number[];
  rows: number;
  /** The watermark after the run (incremental), by column. */
  watermark: Record<string, unknown> | null;
  /** Files of this extract that a crashed run had left (written, never parked), removed before this run. */
  removedLeftovers: string[];
}

export interface ExtractContext {
  source: Source;
  store: Store;
  actor: string;
  /** Called when a batch file is complete on disk, before it is parked (progress; crash tests). */
  onBatchFileWritten?: (file: WrittenBatchFile) => void | Promise<void>;
  now?: () => Date;
}

/**
 * One run of an extract: reads the rows changed since the watermark (or all rows, in full mode) in keyset
 * pages, writes them as JSON Lines batch files of at most rowsPerBatch rows into the processing folder,
 * and parks each with its watermark in one transaction. Rows are read once per run, in key order, each page
 * through the driver's stream: memory holds the stream's buffer, not a page.
 */
export async function runExtract(context: ExtractContext, settings: ExtractSettings): Promise<ExtractRun> {
  const { source, store } = context;
  const now = context.now ?? (() => new Date());
  const kinds = await checkSource(source, settings);
  const incremental = settings.mode === 'incremental';
  const stored = incremental ? await findWatermark(store, settings.name) : undefined;
  if (stored?.value && !sameColumns(stored.columns, settings.keyColumns)) {
    throw new InvalidRequestError(
      `the watermark of extract "${settings.name}" is on ${stored.columns.join(', ')}, not ${settings.keyColumns.join(', ')}: reset it (msg.topic "reset-watermark") to change the columns`,
    );
  }
  let watermark: Record<string, unknown> | null = stored?.value ?? null;
  // The saved query's named bindings: the watermark the run starts from (null on the first run).
  const bindings = Object.fromEntries(settings.keyColumns.map((column) => [column, bindingValue(source.client, watermark?.[column] ?? null)]));

  let start: PageStart;
  if (watermark) {
    const position = settings.keyColumns.map((column) => watermark![column]);
    start = settings.lookbackSeconds > 0
      ? { from: lookbackBound(position[0], settings.lookbackSeconds, settings.keyColumns[0]) }
      : { after: position };
  }

  // A crashed run's files (written, never parked) go before this run writes its own.
  const removedLeftovers = await removeLeftoverFiles(store, settings.folder, settings.name, now());
  const run: ExtractRun = { batches: [], batchRows: [], rows: 0, watermark, removedLeftovers };
  let exhausted = false;
  for (let sequence = 1; !exhausted; sequence += 1) {
    const fileName = batchFileName(settings.name, now(), sequence);
    const done = markInFlight(path.join(settings.folder, fileName));
    try {
      exhausted = await writeAndPark(fileName);
    } finally {
      done();
    }
  }
  return run;

  /** One batch: its file written page by page, then parked with the watermark. True when the rows ran out. */
  async function writeAndPark(fileName: string): Promise<boolean> {
    let exhausted = false;
    const writer = await createBatchFileWriter(settings.folder, fileName);
    let last: Record<string, unknown> | undefined;
    try {
      while (writer.rows < settings.rowsPerBatch) {
        const limit = Math.min(settings.pageSize, settings.rowsPerBatch - writer.rows);
        let pageRows = 0;
        // The next page starts after the last row written, so it is read only once this page has ended.
        let next: PageStart = start;
        for await (const row of readPage(source, { from: settings.from, keyColumns: settings.keyColumns, start, limit, bindings, kinds })) {
          const position = keyOf(row, settings);
          const behind = writer.write(row);
          if (behind) await behind;
          pageRows += 1;
          last = position;
          next = { after: settings.keyColumns.map((column) => position[column]) };
        }
        start = next;
        if (pageRows < limit) {
          exhausted = true;
          break;
        }
      }
    } catch (error) {
      await writer.abort();
      throw error;
    }
    if (writer.rows === 0 || !last) {
      await writer.abort();
      return true;
    }
    const file = await writer.close();
    await context.onBatchFileWritten?.(file);
    let batch: ParkedExtractBatch;
    try {
      batch = await parkExtractedBatch(store, {
        batch: {
          kind: 'file',
          groupType: settings.groupType,
          groupId: settings.groupId ?? null,
          fileName: file.fileName,
          folder: file.folder,
          sha256: file.sha256,
          size: file.size,
          contentType: 'application/x-ndjson',
          actor: context.actor,
        },
        format: 'jsonl',
        watermark: incremental ? { extract: settings.name, columns: settings.keyColumns, from: watermark, to: last } : undefined,
      });
    } catch (error) {
      // Refused for certain: the file is no batch's and goes. Anything else (the commit's fate unknown)
      // leaves it; a file no batch names is never read.
      if (error instanceof WatermarkMovedError || error instanceof InvalidRequestError) await writer.abort();
      // Said as the batch store's failure, so it is not taken for the source's.
      if (isUnreachable(error) && !(error instanceof DatabaseUnavailableError)) {
        throw new DatabaseUnavailableError(`the batch store is not available, nothing was parked: ${describeError(error)}`, error);
      }
      throw error;
    }
    run.batches.push(batch);
    run.batchRows.push(file.rows);
    run.rows += file.rows;
    if (incremental) watermark = last;
    run.watermark = watermark;
    return exhausted;
  }
}

/** The table and its columns exist (and what their values need), or a clear refusal before any row is read. */
async function checkSource(source: Source, settings: ExtractSettings): Promise<Map<string, ColumnInfo> | undefined> {
  const { from } = settings;
  if ('query' in from) return undefined;
  const columns = await lookupColumns(source.knex, source.client, from.table);
  if (from.columns) assertColumnsExist(columns, from.columns, from.table, 'the column');
  assertColumnsExist(columns, settings.keyColumns, from.table, settings.mode === 'incremental' ? 'the watermark column' : 'the order column');
  return columns;
}

/** The key columns' values of a row; a row without them (NULL, or not selected by a saved query) cannot be placed. */
function keyOf(row: Record<string, unknown>, settings: ExtractSettings): Record<string, unknown> {
  const position: Record<string, unknown> = {};
  for (const column of settings.keyColumns) {
    if (!Object.prototype.hasOwnProperty.call(row, column)) {
      throw new SourceQueryError(`the saved query does not return the column ${column}, which the extract is ordered by`);
    }
    const value = row[column];
    if (value === null) {
      throw new SourceQueryError(
        `a row has no value (NULL) in ${column}, which the extract is ordered by: such rows would never be read; make the column NOT NULL or read a view with COALESCE`,
      );
    }
    position[column] = value;
  }
  return position;
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((column, index) => column === b[index]);
}
