import type { FailedRow, KeyMapping } from '../store';

/**
 * How a row settled. With key matching: `skipped` when its content was delivered before (not sent), and
 * `mapping` when the row delivered a version of its record (written to the key map with the window).
 */
export type RowResult =
  | { ok: true; key?: string; skipped?: true; mapping?: KeyMapping; httpStatus?: number }
  | { ok: false; failure: FailedRow; transient: boolean; mapping?: KeyMapping }
  /** A row of a failed group other than its first: counted as failed, stored in the first row's error payload. */
  | { ok: false; transient: boolean; failedWithRow: number };

export interface Window {
  checkpointRow: number;
  processed: number;
  succeeded: number;
  failed: number;
  failures: FailedRow[];
  rowNumbers: number[];
  /** Idempotency keys of the rows delivered in this window: a replay settles their copies in its lineage. */
  succeededKeys: string[];
  /** Rows of this window not sent because their content was delivered before (counted in processed, not succeeded). */
  skipped: number;
  mappings: KeyMapping[];
}

/**
 * Rows finish out of order (they are sent concurrently); the checkpoint may only pass a row once every
 * row before it is settled. This keeps the settled rows until the prefix behind them is complete.
 */
export class CheckpointTracker {
  private readonly settled = new Map<number, RowResult>();
  /** Rows of the file that are not sent at all (resume skips them) still move the checkpoint. */
  private checkpoint: number;

  constructor(checkpointRow: number) {
    this.checkpoint = checkpointRow;
  }

  get checkpointRow(): number {
    return this.checkpoint;
  }

  /** How many settled rows wait to be written. */
  get pending(): number {
    return this.settled.size;
  }

  settle(rowNumber: number, result: RowResult): void {
    if (rowNumber > this.checkpoint) this.settled.set(rowNumber, result);
  }

  /**
   * The contiguous settled rows after the checkpoint. With `holdTransient` (the downstream is down),
   * a row that failed for a transient reason is not settled: it stops the window and is sent again later.
   */
  takeWindow(holdTransient: boolean): Window {
    const window: Window = { checkpointRow: this.checkpoint, processed: 0, succeeded: 0, failed: 0, failures: [], rowNumbers: [], succeededKeys: [], skipped: 0, mappings: [] };
    for (let row = this.checkpoint + 1; this.settled.has(row); row += 1) {
      const result = this.settled.get(row)!;
      if (!result.ok && result.transient && holdTransient) break;
      this.settled.delete(row);
      window.checkpointRow = row;
      window.processed += 1;
      // A row failing with its group is not in rowNumbers: an earlier error payload of it is not resolved.
      if (result.ok || 'failure' in result) window.rowNumbers.push(row);
      if ('mapping' in result && result.mapping) window.mappings.push(result.mapping);
      if (result.ok && result.skipped) {
        window.skipped += 1;
        if (result.key) window.succeededKeys.push(result.key);
      } else if (result.ok) {
        window.succeeded += 1;
        if (result.key) window.succeededKeys.push(result.key);
      } else {
        window.failed += 1;
        if ('failure' in result) window.failures.push(result.failure);
      }
    }
    this.checkpoint = window.checkpointRow;
    return window;
  }
}
