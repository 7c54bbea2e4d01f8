import { writeCheckpointWindow, type BatchRow, type EventInput, type Store } from '../store';
import type { Window } from './checkpoint-tracker';

export interface WindowContext {
  store: Store;
  owner: string;
  leaseMs: number;
  /** Rows of this batch with an error payload from an earlier run: one that succeeds now resolves it. */
  earlierFailures: ReadonlyMap<number, unknown>;
  /** For a partition: the batch it is a partition of, whose rows (error payloads, counters, lineage) they are. */
  partitionOf?: BatchRow;
  /** Events written with the window, in its transaction (all or nothing: what undoes the rows it applied). */
  windowEvents?: (batch: BatchRow, window: Window, now: number) => EventInput[];
}

/**
 * Writes a window of settled rows (counters, checkpoint, error payloads, lease) in one transaction and
 * returns the batch as it is now. Throws LeaseLostError, writing nothing, when another runtime holds it.
 */
export async function settleWindow(context: WindowContext, batch: BatchRow, window: Window, now: number = Date.now()): Promise<BatchRow> {
  const failedRows = new Set(window.failures.map((failure) => failure.rowNumber));
  await writeCheckpointWindow(context.store, {
    batchId: batch.id,
    groupType: batch.group_type,
    groupId: batch.group_id,
    owner: context.owner,
    claimAttempt: batch.attempts,
    checkpointRow: window.checkpointRow,
    processed: window.processed,
    succeeded: window.succeeded,
    failed: window.failed,
    failures: window.failures,
    resolvedRows: window.rowNumbers.filter((row) => context.earlierFailures.has(row) && !failedRows.has(row)),
    // A replay's delivered rows settle their copies elsewhere in the lineage; a first run has none.
    succeededKeys: (context.partitionOf ?? batch).parent_batch_id === null ? undefined : window.succeededKeys,
    partitionOf: context.partitionOf?.id,
    skipped: window.skipped,
    mappings: window.mappings,
    leaseUntil: now + context.leaseMs,
    events: context.windowEvents?.(batch, window, now),
    now,
  });
  return {
    ...batch,
    checkpoint_row: window.checkpointRow,
    processed_rows: batch.processed_rows + window.processed,
    succeeded_rows: batch.succeeded_rows + window.succeeded,
    failed_rows: batch.failed_rows + window.failed,
    skipped_rows: (batch.skipped_rows ?? 0) + window.skipped,
    lease_until: now + context.leaseMs,
  };
}
