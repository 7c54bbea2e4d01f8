import path from 'node:path';
import { CsvFormatError, ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN, readCsvRows, scanCsv, type CsvRow, type CsvScan } from '../csv';
import type { ApiClient } from '../delivery/api-client';
import { CircuitBreaker } from '../delivery/circuit-breaker';
import type { Outcome } from '../delivery/classify';
import { deliver } from '../delivery/deliver';
import { IDEMPOTENCY_HEADER, idempotencyKey, originBatchId } from '../lineage';
import { describeError } from '../errors';
import {
  changeBatchStatus,
  errorPayloadRows,
  getBatch,
  LeaseLostError,
  renewLease,
  writeCheckpointWindow,
  type BatchRow,
  type FailedRow,
  type Store,
} from '../store';
import { CheckpointTracker, type RowResult } from './checkpoint-tracker';
import { writeBatchErrorFile } from './error-file-of-batch';
import { locateBatchFile, moveBatchFile } from './file-locations';
import { fillPathTemplate } from './path-template';
import { prepareRow } from './prepare-row';
import { ReadAhead } from './read-ahead';
import { TaskPool } from './task-pool';
import type { BatchSummary, ProcessorSettings, Progress } from './processor-settings';

/** A row read and prepared: the request to send, or the result of a row that fails before sending. */
interface RowWork {
  rowNumber: number;
  key: string;
  /** The row as read (JSON of its columns), kept for an error payload. */
  original: string;
  request?: { path: string; body: string };
  result?: RowResult;
}

export interface ProcessorContext {
  store: Store;
  client: ApiClient;
  /** This runtime: the lease owner the dispatcher claimed the batch for. */
  owner: string;
  /** Aborted when the node closes: no new rows, in-flight requests finish, the batch is re-parked. */
  signal: AbortSignal;
  onProgress?: (progress: Progress) => void;
  onFailedRow?: (batch: BatchRow, failure: FailedRow) => void;
}

/**
 * Processes one claimed batch to its end (PROCESSED or FAILED), or re-parks it (ERROR_RETRY) when the
 * downstream is down or the runtime is stopping. Never throws for a row: rows fail into error payloads.
 */
export async function processBatch(context: ProcessorContext, claimed: BatchRow, settings: ProcessorSettings): Promise<BatchSummary> {
  const startedAt = Date.now();
  return new BatchRun(context, claimed, settings, startedAt).run();
}

class BatchRun {
  private batch: BatchRow;
  private readonly breaker: CircuitBreaker;
  private readonly stopSending = new AbortController();
  private leaseLost = false;
  private leaseTimer?: NodeJS.Timeout;
  private lastWrite = Date.now();

  constructor(
    private readonly context: ProcessorContext,
    claimed: BatchRow,
    private readonly settings: ProcessorSettings,
    private readonly startedAt: number,
  ) {
    this.batch = claimed;
    this.breaker = new CircuitBreaker({ failureThreshold: settings.breakerThreshold });
    const stop = () => this.stopSending.abort();
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });
  }

  private get store(): Store {
    return this.context.store;
  }

  async run(): Promise<BatchSummary> {
    this.leaseTimer = setInterval(() => void this.keepLease(), Math.max(1000, Math.floor(this.settings.leaseMs / 3)));
    try {
      if (this.batch.kind === 'payload') return await this.runPayload();
      return await this.runFile();
    } catch (error) {
      if (error instanceof LeaseLostError) return this.summary('LEASE_LOST', describeError(error));
      throw error;
    } finally {
      clearInterval(this.leaseTimer);
    }
  }

  private async runFile(): Promise<BatchSummary> {
    const filePath = locateBatchFile(this.batch, this.settings.folders);
    if (!filePath) {
      return this.fail(`file ${this.batch.file_name} is not in ${this.batch.folder} (nor in the archive or failed folder)`);
    }
    let scan: CsvScan;
    try {
      scan = await scanCsv(filePath, this.settings.csv);
    } catch (error) {
      // Unreadable input: nothing is sent, and the original stays where it is for a fix and a retry.
      if (error instanceof CsvFormatError) return this.fail(error.message);
      throw error;
    }
    const replay = scan.columns.includes(ERROR_FILE_ROW_COLUMN);
    const fileColumns = scan.columns.filter((column) => column !== ERROR_FILE_ROW_COLUMN && column !== ERROR_FILE_ERROR_COLUMN);
    await this.startProcessing(scan.rows);

    const origin = await originBatchId(this.store, this.batch);
    const earlierFailures = await errorPayloadRows(this.store, this.batch.id);
    const tracker = new CheckpointTracker(this.batch.checkpoint_row);
    const rowsInFlight = new TaskPool(this.settings.concurrency);
    this.report();

    // Rows are read and prepared (validated, mapped) a few ahead, while requests are out: see ReadAhead.
    const rows = new ReadAhead(
      readCsvRows(filePath, this.settings.csv, this.batch.checkpoint_row),
      (row: CsvRow) => {
        const originRow = replay ? Number(row.record[ERROR_FILE_ROW_COLUMN]) || row.rowNumber : row.rowNumber;
        const record: Record<string, string> = {};
        for (const column of fileColumns) if (row.record[column] !== undefined) record[column] = row.record[column];
        return this.prepareWork(row.rowNumber, row.fieldCount, scan.columns.length, record, idempotencyKey(origin, originRow));
      },
      this.settings.concurrency,
    );
    try {
      for (;;) {
        const work = await rows.next();
        if (!work) break;
        if (this.stopped()) break;
        await rowsInFlight.run(async () => {
          tracker.settle(work.rowNumber, await this.sendWork(work));
        });
        if (this.stopped()) break;
        if (tracker.pending >= this.settings.windowRows || Date.now() - this.lastWrite >= this.settings.windowMs) {
          await this.writeWindow(tracker, earlierFailures);
        }
      }
    } finally {
      await rows.close();
    }
    await rowsInFlight.drain();
    await this.writeWindow(tracker, earlierFailures);

    if (this.leaseLost) return this.summary('LEASE_LOST', 'another runtime took the batch over');
    if (this.batch.checkpoint_row < scan.rows) return this.repark();
    return this.finish(fileColumns, filePath);
  }

  private async runPayload(): Promise<BatchSummary> {
    await this.startProcessing(1);
    if (this.batch.checkpoint_row >= 1) return this.finish([], null);
    const origin = await originBatchId(this.store, this.batch);
    const key = idempotencyKey(origin, 1);
    const payload = this.batch.payload ?? '';
    let path = this.settings.request.pathTemplate;
    let result: RowResult;
    try {
      const fields = parseJsonObject(payload) ?? {};
      path = fillPathTemplate(path, fields);
      result = this.toResult(1, await this.send(path, payload, key, this.batch.content_type ?? 'application/json'), payload, payload, key);
    } catch (error) {
      result = { ok: false, transient: false, failure: failure(1, payload, payload, key, 'mapping', describeError(error)) };
    }
    const tracker = new CheckpointTracker(0);
    tracker.settle(1, result);
    await this.writeWindow(tracker, new Map());
    if (this.leaseLost) return this.summary('LEASE_LOST', 'another runtime took the batch over');
    if (this.batch.checkpoint_row < 1) return this.repark();
    return this.finish([], null);
  }

  /** Everything before sending: the row as read, the field count check, validation, mapping, path. */
  private async prepareWork(rowNumber: number, fieldCount: number, columnCount: number, record: Record<string, string>, key: string): Promise<RowWork> {
    const original = JSON.stringify(record);
    if (fieldCount !== columnCount) {
      const error = `row ${rowNumber} has ${fieldCount} fields, the header has ${columnCount}`;
      return { rowNumber, key, original, result: { ok: false, transient: false, failure: failure(rowNumber, null, original, key, 'validation', error) } };
    }
    const prepared = await prepareRow(record, this.settings);
    if (!prepared.ok) {
      return {
        rowNumber,
        key,
        original,
        result: {
          ok: false,
          transient: false,
          failure: { ...failure(rowNumber, prepared.body, original, key, prepared.errorKind, prepared.error), errorDetail: prepared.errorDetail },
        },
      };
    }
    return { rowNumber, key, original, request: { path: prepared.path, body: prepared.body } };
  }

  /** Sends a prepared row; a row that failed before sending is settled as it is. */
  private async sendWork(work: RowWork): Promise<RowResult> {
    if (work.result || !work.request) return work.result as RowResult;
    const outcome = await this.send(work.request.path, work.request.body, work.key, 'application/json');
    return this.toResult(work.rowNumber, outcome, work.request.body, work.original, work.key);
  }

  private async send(requestPath: string, body: string, key: string, contentType: string): Promise<Outcome> {
    const { outcome } = await deliver(
      this.context.client,
      {
        method: this.settings.request.method,
        path: requestPath,
        headers: { ...this.settings.request.headers, [IDEMPOTENCY_HEADER]: key },
        body,
        contentType,
      },
      { policy: this.settings.retry, successCheck: this.settings.successCheck, signal: this.stopSending.signal, breaker: this.breaker },
    );
    // A run of transient failures: the downstream is down, not the row. Stop reading; re-park.
    if (this.breaker.isOpen) this.stopSending.abort();
    return outcome;
  }

  private toResult(rowNumber: number, outcome: Outcome, body: string, original: string, key: string): RowResult {
    if (outcome.kind === 'success') return { ok: true, key };
    const kind = outcome.kind === 'transient' ? 'transient' : outcome.status !== undefined && outcome.status < 300 ? 'rejected' : 'permanent';
    return {
      ok: false,
      transient: outcome.kind === 'transient',
      failure: { ...failure(rowNumber, body, original, key, kind, outcome.error), httpStatus: outcome.status ?? null, errorDetail: outcome.detail ?? null },
    };
  }

  private async startProcessing(totalRows: number): Promise<void> {
    const now = Date.now();
    this.batch = await changeBatchStatus(this.store, {
      id: this.batch.id,
      to: 'PROCESSING',
      from: ['SUBMITTED'],
      action: 'processing',
      actor: this.context.owner,
      leaseOwner: this.context.owner,
      patch: {
        total_rows: totalRows,
        started_at: this.batch.started_at ?? now,
        lease_until: now + this.settings.leaseMs,
        row_schema: this.settings.rowSchema ?? this.batch.row_schema,
        error: null,
      },
      now,
    });
  }

  /** Writes the settled prefix: counters, checkpoint, error payloads and lease, in one transaction. */
  private async writeWindow(tracker: CheckpointTracker, earlierFailures: Map<number, unknown>): Promise<void> {
    if (this.leaseLost) return;
    const window = tracker.takeWindow(this.breaker.isOpen || this.stopSending.signal.aborted);
    if (window.processed === 0) return;
    const now = Date.now();
    try {
      await writeCheckpointWindow(this.store, {
        batchId: this.batch.id,
        groupType: this.batch.group_type,
        groupId: this.batch.group_id,
        owner: this.context.owner,
        checkpointRow: window.checkpointRow,
        processed: window.processed,
        succeeded: window.succeeded,
        failed: window.failed,
        failures: window.failures,
        resolvedRows: window.rowNumbers.filter((row) => earlierFailures.has(row) && !window.failures.some((f) => f.rowNumber === row)),
        succeededKeys: this.batch.parent_batch_id === null ? undefined : window.succeededKeys,
        leaseUntil: now + this.settings.leaseMs,
        now,
      });
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.leaseLost = true;
        this.stopSending.abort();
        return;
      }
      throw error;
    }
    this.lastWrite = now;
    this.batch = {
      ...this.batch,
      checkpoint_row: window.checkpointRow,
      processed_rows: this.batch.processed_rows + window.processed,
      succeeded_rows: this.batch.succeeded_rows + window.succeeded,
      failed_rows: this.batch.failed_rows + window.failed,
      lease_until: now + this.settings.leaseMs,
    };
    for (const failed of window.failures) this.context.onFailedRow?.(this.batch, failed);
    this.report();
  }

  private async keepLease(): Promise<void> {
    if (this.leaseLost || Date.now() - this.lastWrite < this.settings.leaseMs / 3) return;
    try {
      const kept = await renewLease(this.store, this.batch.id, this.context.owner, Date.now() + this.settings.leaseMs);
      if (!kept) {
        this.leaseLost = true;
        this.stopSending.abort();
      }
    } catch {
      // The database may be down for a moment: the next renewal or window write tries again.
    }
  }

  private async finish(fileColumns: string[], filePath: string | null): Promise<BatchSummary> {
    const current = await getBatch(this.store, this.batch.id);
    const failed = current.failed_rows > 0;
    let errorFile: string | null = null;
    let folder = current.folder;
    let fileName = current.file_name;
    if (filePath) {
      // Moved first: the error file is named after the file's final, unique name in the failed folder,
      // so two batches that both arrived as bank.csv never share one bank.errors.csv.
      const moved = await moveBatchFile(filePath, failed ? this.settings.folders.failed : this.settings.folders.archive);
      folder = path.dirname(moved);
      fileName = path.basename(moved);
      if (failed) errorFile = await writeBatchErrorFile(this.store, current.id, fileName, fileColumns, this.settings.folders.failed, this.settings.csv);
    }
    const now = Date.now();
    this.batch = await changeBatchStatus(this.store, {
      id: current.id,
      to: failed ? 'FAILED' : 'PROCESSED',
      action: failed ? 'failed' : 'processed',
      actor: this.context.owner,
      leaseOwner: this.context.owner,
      reason: failed ? `${current.failed_rows} of ${current.total_rows} rows failed` : undefined,
      patch: {
        finished_at: now,
        folder,
        file_name: fileName,
        error_file: errorFile,
        error: failed ? `${current.failed_rows} of ${current.total_rows} rows failed` : null,
        lease_owner: null,
        lease_until: null,
      },
      now,
    });
    return this.summary(this.batch.status as 'PROCESSED' | 'FAILED', this.batch.error);
  }

  /** The file cannot be read: FAILED with the reason; nothing was sent and the file stays where it is. */
  private async fail(reason: string): Promise<BatchSummary> {
    const now = Date.now();
    this.batch = await changeBatchStatus(this.store, {
      id: this.batch.id,
      to: 'FAILED',
      action: 'failed',
      actor: this.context.owner,
      leaseOwner: this.context.owner,
      reason,
      patch: { error: reason, finished_at: now, lease_owner: null, lease_until: null, started_at: this.batch.started_at ?? now },
      now,
    });
    return this.summary('FAILED', reason);
  }

  /** Downstream down, or this runtime stopping: back to the parking lot, to resume from the checkpoint. */
  private async repark(): Promise<BatchSummary> {
    const now = Date.now();
    const closing = this.context.signal.aborted;
    const reason = closing
      ? 'the runtime stopped while the batch was processing'
      : `the downstream API looks down (${this.settings.breakerThreshold} transient failures in a row): paused until ${new Date(now + this.settings.errorRetryDelayMs).toISOString()}`;
    this.batch = await changeBatchStatus(this.store, {
      id: this.batch.id,
      to: 'ERROR_RETRY',
      action: closing ? 'released' : 'circuit-open',
      actor: this.context.owner,
      leaseOwner: this.context.owner,
      reason,
      patch: { parked_until: closing ? now : now + this.settings.errorRetryDelayMs, error: reason, lease_owner: null, lease_until: null },
      now,
    });
    return this.summary('ERROR_RETRY', reason);
  }

  private stopped(): boolean {
    return this.stopSending.signal.aborted || this.leaseLost;
  }

  private report(): void {
    this.context.onProgress?.({
      batchId: this.batch.id,
      totalRows: this.batch.total_rows,
      processedRows: this.batch.processed_rows,
      succeededRows: this.batch.succeeded_rows,
      failedRows: this.batch.failed_rows,
    });
  }

  private summary(status: BatchSummary['status'], error: string | null): BatchSummary {
    return {
      batchId: this.batch.id,
      status,
      fileName: this.batch.file_name,
      groupType: this.batch.group_type,
      groupId: this.batch.group_id,
      totalRows: this.batch.total_rows,
      processedRows: this.batch.processed_rows,
      succeededRows: this.batch.succeeded_rows,
      failedRows: this.batch.failed_rows,
      errorFile: this.batch.error_file,
      error,
      durationMs: Date.now() - this.startedAt,
    };
  }
}

function failure(rowNumber: number, payload: string | null, original: string | null, key: string, errorKind: FailedRow['errorKind'], error: string): FailedRow {
  return { rowNumber, payload, originalPayload: original, idempotencyKey: key, errorKind, error, httpStatus: null, errorDetail: null };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
