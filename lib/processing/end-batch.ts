import path from 'node:path';
import { describeError } from '../errors';
import { changeBatchStatus, getBatch, storeInTransaction, writeTransaction, type BatchFileFormat, type BatchPatch, type BatchRow, type Store } from '../store';
import { releaseHeldCopies } from '../store/error-payloads/release-held-copies';
import { writeBatchErrorFile, writeJsonlBatchErrorFile } from './error-file-of-batch';
import { moveBatchFile } from './file-locations';
import type { ProcessorSettings } from './processor-settings';

export interface EndContext {
  store: Store;
  /** The lease owner: only the runtime holding the batch may end it. */
  owner: string;
  settings: ProcessorSettings;
}

/** Where the batch file is and which columns its rows had, for moving it and writing its error file. */
export interface BatchFileEnd {
  filePath: string;
  rowColumns: string[];
  /** A JSON Lines batch gets a JSON Lines error file. */
  format: BatchFileFormat;
}

/**
 * Every row is settled: PROCESSED, or FAILED when some rows failed. The file moves to the archive or the
 * failed folder, and a failed batch gets its error file. A failure of those file steps ends the batch
 * FAILED with the reason (it must not stay claimed, to be run again by the next claim): its rows are
 * settled and stay so, the file is wherever the failed step left it, and the batch row says where.
 */
export async function finishBatch(context: EndContext, batchId: number, file: BatchFileEnd | null): Promise<BatchRow> {
  const { settings } = context;
  const current = await getBatch(context.store, batchId);
  const someFailed = current.failed_rows > 0;
  const location: BatchPatch = {};
  let errorFile: string | null = null;
  if (file) {
    const target = someFailed ? settings.folders.failed : settings.folders.archive;
    let step = `moving its file to ${target}`;
    try {
      // Moved first: the error file is named after the file's final, unique name in the failed folder,
      // so two batches that both arrived as bank.csv never share one bank.errors.csv.
      const moved = await moveBatchFile(file.filePath, target);
      location.folder = path.dirname(moved);
      location.file_name = path.basename(moved);
      if (someFailed) {
        step = `writing its error file in ${settings.folders.failed}`;
        errorFile =
          file.format === 'jsonl'
            ? await writeJsonlBatchErrorFile(context.store, current.id, location.file_name, settings.folders.failed)
            : await writeBatchErrorFile(context.store, current.id, location.file_name, file.rowColumns, settings.folders.failed, settings.csv);
      }
    } catch (error) {
      const rows = someFailed ? `${current.failed_rows} of ${current.total_rows} rows failed, and` : `every row was delivered, but`;
      return failBatch(context, current, `${rows} ending the batch failed while ${step}: ${describeError(error)}`, location);
    }
  }
  const reason = someFailed ? `${current.failed_rows} of ${current.total_rows} rows failed` : undefined;
  const now = Date.now();
  return changeBatchStatus(context.store, {
    id: current.id,
    to: someFailed ? 'FAILED' : 'PROCESSED',
    action: someFailed ? 'failed' : 'processed',
    actor: context.owner,
    leaseOwner: context.owner,
    reason,
    patch: { ...location, finished_at: now, error_file: errorFile, error: reason ?? null, lease_owner: null, lease_until: null },
    now,
  });
}

/** FAILED with the reason: the file could not be read, or the batch could not be ended. */
export async function failBatch(context: EndContext, batch: BatchRow, reason: string, patch: BatchPatch = {}): Promise<BatchRow> {
  const now = Date.now();
  return changeBatchStatus(context.store, {
    id: batch.id,
    to: 'FAILED',
    action: 'failed',
    actor: context.owner,
    leaseOwner: context.owner,
    reason,
    patch: { ...patch, error: reason, finished_at: now, lease_owner: null, lease_until: null, started_at: batch.started_at ?? now },
    now,
  });
}

/**
 * FAILED because the batch's file could not be read (missing, or not CSV / JSON Lines): nothing was sent.
 * A replay that ends so gives the failed rows it held back to its parent's open list (NEW), in the same
 * transaction, so the failure is not lost behind a replay that will never settle it.
 */
export async function failUnreadBatch(context: EndContext, batch: BatchRow, reason: string): Promise<BatchRow> {
  if (batch.parent_batch_id === null) return failBatch(context, batch, reason);
  return writeTransaction(context.store, async (trx) => {
    const failed = await failBatch({ ...context, store: storeInTransaction(context.store, trx) }, batch, reason);
    const now = failed.status_time;
    await releaseHeldCopies(context.store, trx, failed, { actor: context.owner, reason: `replay batch ${failed.id} could not read its file: ${reason}`, now });
    return failed;
  });
}

/**
 * Back to the parking lot (ERROR_RETRY), to resume from its checkpoint: at once when the runtime stopped
 * (`released`), after the delay when the downstream looks down (`circuit-open`), so there is no hot loop.
 */
export async function reparkBatch(context: EndContext, batch: BatchRow, why: 'runtime-stopping' | 'downstream-down'): Promise<BatchRow> {
  const now = Date.now();
  const { settings } = context;
  const stopping = why === 'runtime-stopping';
  const reason = stopping
    ? 'the runtime stopped while the batch was processing'
    : `the downstream API looks down (${settings.breakerThreshold} transient failures in a row): paused until ${new Date(now + settings.errorRetryDelayMs).toISOString()}`;
  return changeBatchStatus(context.store, {
    id: batch.id,
    to: 'ERROR_RETRY',
    action: stopping ? 'released' : 'circuit-open',
    actor: context.owner,
    leaseOwner: context.owner,
    reason,
    patch: { parked_until: stopping ? now : now + settings.errorRetryDelayMs, error: reason, lease_owner: null, lease_until: null },
    now,
  });
}
