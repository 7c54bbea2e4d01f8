import { CsvFormatError, type CsvRowStart } from '../csv';
import { JsonlFormatError } from '../jsonl';
import type { ApiClient } from '../delivery/api-client';
import { describeError } from '../errors';
import { idempotencyKey, originBatchId } from '../lineage';
import { changeBatchStatus, errorPayloadRows, getBatch, LeaseLostError, listPartitions, partitionBatch, partitionRanges, renewLease, restartPartitions, settlePartition, type BatchRow, type FailedRow, type KeyMapHolder, type Store } from '../store';
import { AllOrNothingSend, checkEveryRow, compensateAppliedRows, compensationDue } from './all-or-nothing';
import { CheckpointTracker, type RowResult } from './checkpoint-tracker';
import { failBatch, failUnreadBatch, finishBatch, reparkBatch, type BatchFileEnd, type EndContext } from './end-batch';
import { locateBatchFile } from './file-locations';
import { readFileRows, rowStartsOf, scanBatchFile, scanPartitionFile, type BatchFileScan } from './file-rows';
import { LeaseKeeper } from './lease-keeper';
import { KeyedDelivery, withCreateRequest } from './keyed-delivery';
import { fillPathTemplate } from './path-template';
import type { BatchSummary, ProcessorSettings, Progress } from './processor-settings';
import { RowSender } from './row-sender';
import { groupRowSettings } from './send-group';
import { withMatch } from './row-match';
import { failedRow, unsendable, type RowWork } from './row-work';
import { RunStop } from './run-stop';
import { sendGroups } from './send-groups';
import type { WindowContext } from './settle-window';
import { settleWindowRetrying } from './settle-window-retrying';
import { TaskPool } from './task-pool';
import { waitForKeyMap } from './wait-for-key-map';
import { WindowSchedule } from './window-schedule';

export interface ProcessorContext {
  store: Store;
  client: ApiClient;
  /** This runtime: the lease owner the dispatcher claimed the batch for. */
  owner: string;
  /**
   * Aborted when the node closes: no new rows, the requests in flight finish, the checkpoint is written
   * and the batch is re-parked (ERROR_RETRY, due at once, a `released` event).
   */
  signal: AbortSignal;
  /**
   * Aborted when the node's close time is nearly up: the requests in flight are cut off. Their rows are not
   * settled (they are sent again, with the same key, when the batch resumes); the run still writes its
   * checkpoint and re-parks the batch.
   */
  cancel?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  onFailedRow?: (batch: BatchRow, failure: FailedRow) => void;
}

/**
 * Processes one claimed batch to its end (PROCESSED or FAILED), or re-parks it (ERROR_RETRY) when the
 * downstream is down or the runtime is stopping. Never throws for a row: rows fail into error payloads.
 */
export async function processBatch(context: ProcessorContext, claimed: BatchRow, settings: ProcessorSettings): Promise<BatchSummary> {
  return new BatchRun(context, claimed, withCreateRequest(settings)).run();
}

/** One run of one batch: wires the parts (lease, rows, sending, windows, ending) and holds what they share. */
class BatchRun {
  private readonly startedAt = Date.now();
  private batch: BatchRow;
  /** A partition's run: the batch it is a partition of, whose rows, error payloads and lineage these are. */
  private parent?: BatchRow;
  private readonly stop: RunStop;
  private readonly lease: LeaseKeeper;
  private readonly sender: RowSender;
  /** Key matching, when the settings name key columns: create, update or skip per row (made once the origin is known). */
  private keyed?: KeyedDelivery;
  private readonly ending: EndContext;
  /** All or nothing with an undo request: the send pass that records what undoes each applied row. */
  private readonly undoable?: AllOrNothingSend;
  /** The read loop is sending rows: the breaker may still open on the failures of those in flight. */
  private sendingRows = false;

  constructor(
    private readonly context: ProcessorContext,
    claimed: BatchRow,
    private readonly settings: ProcessorSettings,
  ) {
    this.batch = claimed;
    this.stop = new RunStop(context.signal, context.cancel);
    // The batch's `attempts` when this run claimed it: a later claim is another run's lease.
    const renew = (leaseUntil: number, now: number) => renewLease(context.store, claimed.id, context.owner, leaseUntil, now, claimed.attempts);
    this.lease = new LeaseKeeper(renew, settings.leaseMs, () => this.stop.stop());
    this.sender = new RowSender(context.client, settings, this.stop);
    this.ending = { store: context.store, owner: context.owner, settings };
    const undoTemplate = settings.allOrNothing?.compensation?.pathTemplate;
    if (undoTemplate) this.undoable = new AllOrNothingSend(settings, undoTemplate);
  }

  async run(): Promise<BatchSummary> {
    this.lease.start();
    try {
      if (this.settings.matching && !(await this.waitForKeyMap())) return await this.stoppedWaiting();
      if (this.batch.kind === 'payload') return await this.runPayload();
      return await this.runFile();
    } catch (error) {
      if (error instanceof LeaseLostError) return this.summary('LEASE_LOST', describeError(error));
      throw error;
    } finally {
      this.lease.stop();
      this.stop.release();
    }
  }

  private async runFile(): Promise<BatchSummary> {
    if (this.batch.partition_of !== null) this.parent = await getBatch(this.context.store, this.batch.partition_of);
    const lineage = this.parent ?? this.batch;
    const filePath = locateBatchFile(this.batch, this.settings.folders);
    if (!filePath) {
      return this.failed(`file ${this.batch.file_name} is not in ${this.batch.folder} (nor in the archive or failed folder)`);
    }
    let scan: BatchFileScan;
    try {
      const kind = { format: this.batch.format, replay: lineage.parent_batch_id !== null };
      scan = this.parent?.total_rows ? await scanPartitionFile(filePath, this.settings, kind, this.parent.total_rows) : await scanBatchFile(filePath, this.settings, kind);
    } catch (error) {
      // Unreadable input: nothing is sent, and the original stays where it is for a fix and a retry.
      if (error instanceof CsvFormatError || error instanceof JsonlFormatError) return this.failed(error.message);
      throw error;
    }
    const file: BatchFileEnd = { filePath, rowColumns: scan.rowColumns, format: scan.format };
    if (!this.parent && this.batch.partition_count > 0) return this.resumePartitioned(scan, file);
    if (this.partitionable(scan)) return this.partition(filePath, scan);
    // A partition's rows are its range of the file; its total was set when it was created.
    await this.startProcessing(this.parent ? this.batch.total_rows! : scan.rows);

    const origin = await originBatchId(this.context.store, lineage);
    this.matchKeys(origin);
    if (this.settings.allOrNothing) {
      // A batch that resumes after its first pass already sent rows; one whose undo was due carries on with it.
      if (this.undoable && (await compensationDue(this.context.store, this.batch.id))) return this.compensate(origin);
      if (this.batch.checkpoint_row === 0) {
        const checked = await this.checkEveryRow(filePath, scan, origin);
        if (checked) return checked;
      }
    }
    const windows = await this.windowContext();
    // Only a replay's windows take the keys of delivered rows (settleWindow): a first run keeps none of them.
    const tracker = new CheckpointTracker(this.batch.checkpoint_row, lineage.parent_batch_id !== null);
    const rowsInFlight = new TaskPool(this.settings.concurrency);
    this.report();

    const fileRows = readFileRows(filePath, scan, origin, groupRowSettings(this.settings), this.batch.checkpoint_row, lineage.id, this.batch.last_row ?? Infinity, this.rowStart());
    const rows = this.keyed ? this.keyed.rows(fileRows) : fileRows;
    const groups = sendGroups(fileRows, this.settings, this.sender);
    const schedule = new WindowSchedule(this.settings.windowRows, this.settings.windowMs, tracker, () => this.writeWindow(windows, tracker));
    this.sendingRows = true;
    try {
      for (;;) {
        if (groups) {
          const group = await groups.next();
          if (!group || this.stopped()) break;
          await rowsInFlight.run(async () => {
            for (const [rowNumber, result] of (await group.send()) ?? []) tracker.settle(rowNumber, result);
            schedule.settled();
          });
          if (this.stopped()) break;
          await schedule.idle();
          continue;
        }
        const work = await rows.next();
        if (!work || this.stopped() || this.undoable?.failing) break;
        // A free slot starts the row at once and a write seldom runs: most rows await neither.
        const started = rowsInFlight.startOrQueue(async () => {
          const result = this.undoable
            ? await this.undoable.send(this.sender, work)
            : this.keyed
              ? await this.keyed.deliver(work)
              : await this.sender.sendWork(work);
          if (result) tracker.settle(work.rowNumber, result);
          schedule.settled();
        });
        if (started) await started;
        if (this.stopped()) break;
        const writing = schedule.idle();
        if (writing) await writing;
      }
    } finally {
      await rows.close();
      // The rows in flight settle before the last window, so a stop or a re-park re-sends none of them.
      await rowsInFlight.drain();
      await schedule.stop();
      this.sendingRows = false;
    }
    await schedule.flush();
    if (this.undoable && !this.lease.lost) await this.undoable.flush(this.context.store, this.batch, this.context.owner);
    if (this.undoable?.failing && !this.lease.lost && (await compensationDue(this.context.store, this.batch.id))) {
      if (!this.stop.stopped) return this.compensate(origin);
      // Stopping (or the downstream down) before the undo: re-parked, the resumed batch undoes the rows.
      this.batch = await reparkBatch(this.ending, this.batch, this.stop.runtimeStopping && !this.sender.downstreamDown ? 'runtime-stopping' : 'downstream-down');
      return this.summary('ERROR_RETRY', this.batch.error);
    }
    return this.end(this.batch.last_row ?? scan.rows, file);
  }

  /** Key matching, when the settings name key columns: each mapping it writes names the origin's version. */
  private matchKeys(origin: number): void {
    const { matching } = this.settings;
    if (!matching) return;
    this.keyed = new KeyedDelivery(this.context.store, matching, this.sender, {
      id: this.batch.id,
      groupType: this.batch.group_type,
      originBatchId: origin,
      replay: this.batch.parent_batch_id !== null,
    });
  }

  /** Key matching: one batch of a group type at a time decides creates and updates (takeKeyMapLock). */
  private waitForKeyMap(): Promise<boolean> {
    return waitForKeyMap({
      store: this.context.store,
      groupType: this.batch.group_type,
      holder: { kind: 'batch', id: this.batch.id },
      batchId: this.batch.id,
      owner: this.context.owner,
      signal: this.stop.sendingSignal,
      onWaiting: (waitingFor) => this.report(waitingFor),
    });
  }

  /** Stopped while waiting for the key map: nothing was sent, the batch is parked again (or was taken over). */
  private async stoppedWaiting(): Promise<BatchSummary> {
    if (this.lease.lost) return this.summary('LEASE_LOST', 'another runtime took the batch over');
    this.batch = await reparkBatch(this.ending, this.batch, 'runtime-stopping');
    return this.summary('ERROR_RETRY', this.batch.error);
  }

  /** Where a partition's first row starts in its file, when the split found it (CSV in UTF-8). */
  private rowStart(): CsvRowStart | undefined {
    const { first_row: rowNumber, first_row_byte: byte, lines_before: linesBefore } = this.batch;
    if (!this.parent || rowNumber === null || byte === null || linesBefore === null) return undefined;
    return { rowNumber, byte, linesBefore };
  }

  /** A file batch above the partition size, with nothing that needs it whole (groups, all or nothing, key matching). */
  private partitionable(scan: BatchFileScan): boolean {
    const { partitionRows, group, allOrNothing, matching } = this.settings;
    return !this.parent && !!partitionRows && scan.rows > partitionRows && !group && !allOrNothing && !matching;
  }

  /** Splits the batch into partitions and lets it go: dispatchers claim the partitions, here or on another runtime. */
  private async partition(filePath: string, scan: BatchFileScan): Promise<BatchSummary> {
    const partitionRows = this.settings.partitionRows!;
    // One pass over the file now spares each partition parsing every row before its own.
    const rowStarts = await rowStartsOf(filePath, this.settings, scan, partitionRanges(scan.rows, partitionRows).map((range) => range.firstRow));
    const { parent, partitions } = await partitionBatch(this.context.store, {
      batch: this.batch,
      owner: this.context.owner,
      totalRows: scan.rows,
      partitionRows,
      rowSchema: this.settings.rowSchema,
      rowStarts,
    });
    this.batch = parent;
    return { ...this.summary('PARTITIONED', null), partitions: partitions.length };
  }

  /**
   * A partitioned batch claimed again: after a retry its partitions are parked again; when every partition was
   * settled and the runtime finishing the batch stopped before it could (its lease ran out), it is finished here.
   */
  private async resumePartitioned(scan: BatchFileScan, file: BatchFileEnd): Promise<BatchSummary> {
    if (this.batch.total_rows !== null && this.batch.checkpoint_row >= this.batch.total_rows) {
      await this.startProcessing(scan.rows);
      return this.finishParent(this.batch, file);
    }
    const partitions = await restartPartitions(this.context.store, this.batch, this.context.owner);
    this.batch = await getBatch(this.context.store, this.batch.id);
    return { ...this.summary('PARTITIONED', null), partitions: partitions.length };
  }

  /** A partition whose rows are all settled (or could not be read): the last one to end finishes its batch. */
  private async endPartition(to: 'PROCESSED' | 'FAILED', file: BatchFileEnd | null, reason?: string): Promise<BatchSummary> {
    const settled = await settlePartition(this.context.store, { partition: this.batch, owner: this.context.owner, to, reason, leaseMs: this.settings.leaseMs });
    this.batch = settled.partition;
    if (!settled.parentToFinish) return this.summary(to, reason ?? null);
    return this.finishParent(settled.parentToFinish, file);
  }

  /**
   * Every partition is settled: the batch ends as an unpartitioned one would (file moved, error file of all its
   * failed rows), or FAILED with the reason when a partition could not read its rows (the file stays where it is).
   */
  private async finishParent(parent: BatchRow, file: BatchFileEnd | null): Promise<BatchSummary> {
    this.parent = undefined;
    const unread = (await listPartitions(this.context.store, parent.id)).find((partition) => partition.status === 'FAILED');
    if (unread) {
      const reason = `partition batch ${unread.id} (rows ${unread.first_row}–${unread.last_row}) could not be processed: ${unread.error ?? 'no reason given'}`;
      this.batch = await failBatch(this.ending, parent, reason);
      return this.summary('FAILED', reason);
    }
    this.batch = await finishBatch(this.ending, parent.id, file);
    return this.summary(this.batch.status as 'PROCESSED' | 'FAILED', this.batch.error);
  }

  private async runPayload(): Promise<BatchSummary> {
    await this.startProcessing(1);
    if (this.batch.checkpoint_row < 1) {
      const origin = await originBatchId(this.context.store, this.batch);
      this.matchKeys(origin);
      const key = idempotencyKey(origin, 1);
      const payload = this.batch.payload ?? '';
      let result: RowResult | undefined;
      try {
        const requestPath = fillPathTemplate(this.settings.request.pathTemplate, parseJsonObject(payload) ?? {});
        const work: RowWork = {
          rowNumber: 1,
          key,
          original: payload,
          request: { path: requestPath, body: payload, contentType: this.batch.content_type ?? 'application/json' },
        };
        result = this.keyed ? await this.keyed.deliver(withMatch(work, parseJsonObject(payload) ?? {}, this.settings)) : await this.sender.sendWork(work);
      } catch (error) {
        result = unsendable(failedRow(1, payload, payload, key, 'mapping', describeError(error)));
      }
      const tracker = new CheckpointTracker(0);
      if (result) tracker.settle(1, result);
      await this.writeWindow(await this.windowContext(), tracker);
    }
    return this.end(1, null);
  }

  /** After the last window: ended when every row is settled, else re-parked to resume from the checkpoint. */
  private async end(totalRows: number, file: BatchFileEnd | null): Promise<BatchSummary> {
    if (this.lease.lost) return this.summary('LEASE_LOST', 'another runtime took the batch over');
    if (this.batch.checkpoint_row < totalRows) {
      // A downstream found down parks the batch with the delay even when the runtime is stopping too, so
      // the next runtime does not meet the same outage at once.
      this.batch = await reparkBatch(this.ending, this.batch, this.stop.runtimeStopping && !this.sender.downstreamDown ? 'runtime-stopping' : 'downstream-down');
      return this.summary('ERROR_RETRY', this.batch.error);
    }
    if (this.parent) return this.endPartition('PROCESSED', file);
    this.batch = await finishBatch(this.ending, this.batch.id, file);
    return this.summary(this.batch.status as 'PROCESSED' | 'FAILED', this.batch.error);
  }

  private async failed(reason: string): Promise<BatchSummary> {
    if (this.parent) return this.endPartition('FAILED', null, reason);
    this.batch = await failUnreadBatch(this.ending, this.batch, reason);
    return this.summary('FAILED', reason);
  }

  /** All or nothing: every row checked before any is sent; a bad row fails the batch with nothing sent. */
  private async checkEveryRow(filePath: string, scan: BatchFileScan, origin: number): Promise<BatchSummary | undefined> {
    const checked = await checkEveryRow(
      { store: this.context.store, owner: this.context.owner, settings: this.settings, stopped: () => this.stopped(), onFailedRow: (failure) => this.context.onFailedRow?.(this.batch, failure) },
      this.batch,
      filePath,
      scan,
      origin,
    );
    if (checked.ok) return undefined;
    if (checked.stopped) return this.end(scan.rows, null);
    this.batch = await failBatch(this.ending, this.batch, checked.reason, { processed_rows: checked.badRows, failed_rows: checked.badRows });
    return this.summary('FAILED', checked.reason);
  }

  /**
   * All or nothing: a row failed at the API after rows were applied. Each applied row is undone and the
   * batch ends FAILED with the reason; the file stays where it is, for a fix and a replay of the original.
   * The downstream down, or the runtime stopping, re-parks the batch: it resumes with the undo.
   */
  private async compensate(origin: number): Promise<BatchSummary> {
    const due = await compensationDue(this.context.store, this.batch.id);
    const compensation = await compensateAppliedRows(
      { store: this.context.store, client: this.context.client, owner: this.context.owner, settings: this.settings, stop: this.stop },
      this.batch,
      origin,
      due!,
    );
    if (this.lease.lost) return this.summary('LEASE_LOST', 'another runtime took the batch over');
    if (!compensation.done) {
      this.batch = await reparkBatch(this.ending, this.batch, compensation.why);
      return this.summary('ERROR_RETRY', this.batch.error);
    }
    this.batch = await failBatch(this.ending, this.batch, compensation.reason);
    return this.summary('FAILED', compensation.reason);
  }

  private async startProcessing(totalRows: number): Promise<void> {
    const now = Date.now();
    this.batch = await changeBatchStatus(this.context.store, {
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

  private async windowContext(): Promise<WindowContext> {
    return {
      store: this.context.store,
      owner: this.context.owner,
      leaseMs: this.settings.leaseMs,
      earlierFailures: await errorPayloadRows(this.context.store, (this.parent ?? this.batch).id),
      partitionOf: this.parent,
      windowEvents: this.undoable && ((batch, window, now) => this.undoable!.windowEvents(batch, window, this.context.owner, now)),
    };
  }

  /** Writes the settled prefix; once the run stops, a transiently failed row ends the window unsettled. */
  private async writeWindow(windows: WindowContext, tracker: CheckpointTracker): Promise<void> {
    if (this.lease.lost) return;
    // While rows are sent, a row that used up its attempts in a run of failures waits for the run's end: the
    // breaker opening (the row is sent again on resume) or a success (the row is stored as failed). A window
    // written in between made an outage's row an error payload.
    const window = tracker.takeWindow(this.sender.downstreamDown || this.stop.stopped || (this.sendingRows && this.sender.failing));
    if (window.processed === 0) return;
    const now = Date.now();
    try {
      this.batch = await settleWindowRetrying(windows, this.batch, window, {
        firstWaitMs: 250,
        maxWaitMs: 2000,
        giveUpAfterMs: this.settings.leaseMs,
        stopping: () => this.stop.stopped,
      });
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.lease.markLost();
        return;
      }
      throw error;
    }
    this.undoable?.written();
    this.keyed?.forgetUpTo(window.checkpointRow);
    this.lease.renewed(now);
    // A partition's failed rows are its batch's: their error payloads are the parent's.
    for (const failed of window.failures) this.context.onFailedRow?.(this.parent ?? this.batch, failed);
    this.report();
  }

  private stopped(): boolean {
    return this.stop.stopped || this.lease.lost;
  }

  private report(waitingFor?: KeyMapHolder): void {
    this.context.onProgress?.({
      batchId: this.batch.id,
      ...(waitingFor === undefined ? {} : { waitingFor }),
      totalRows: this.batch.total_rows,
      processedRows: this.batch.processed_rows,
      succeededRows: this.batch.succeeded_rows,
      failedRows: this.batch.failed_rows,
      ...(this.settings.matching ? { skippedRows: this.batch.skipped_rows } : {}),
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
      skippedRows: this.batch.skipped_rows ?? 0,
      errorFile: this.batch.error_file,
      error,
      durationMs: Date.now() - this.startedAt,
      ...(this.parent ? { partition: { of: this.parent.id, firstRow: this.batch.first_row!, lastRow: this.batch.last_row! } } : {}),
    };
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
