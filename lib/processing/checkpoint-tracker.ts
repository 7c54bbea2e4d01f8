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
 *
 * They are kept in an array from the checkpoint on, not a Map: a Map that every row joins and leaves
 * rehashes into new tables, which V8 links one to the next; once a full collection has moved one to the old
 * generation, the link keeps each later table and its rows' results alive through scavenges (see
 * shared-abort-listener.ts).
 */
export class CheckpointTracker {
  /** The result of row `checkpoint + 1 + i` at `i`, from `start` on (before it: taken already). */
  private slots: (RowResult | undefined)[] = [];
  private start = 0;
  private settledCount = 0;
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
    return this.settledCount;
  }

  settle(rowNumber: number, result: RowResult): void {
    if (rowNumber <= this.checkpoint) return;
    const index = this.start + rowNumber - this.checkpoint - 1;
    // Rows settle a few ahead of the checkpoint at most: the gap filled with holes stays short.
    while (this.slots.length < index) this.slots.push(undefined);
    if (this.slots[index] === undefined) this.settledCount += 1;
    this.slots[index] = result;
  }

  /**
   * The contiguous settled rows after the checkpoint. With `holdTransient` (the downstream is down),
   * a row that failed for a transient reason is not settled: it stops the window and is sent again later.
   */
  takeWindow(holdTransient: boolean): Window {
    const window: Window = { checkpointRow: this.checkpoint, processed: 0, succeeded: 0, failed: 0, failures: [], rowNumbers: [], succeededKeys: [], skipped: 0, mappings: [] };
    const { slots } = this;
    let index = this.start;
    for (let row = this.checkpoint + 1; index < slots.length && slots[index] !== undefined; row += 1, index += 1) {
      const result = slots[index]!;
      if (!result.ok && result.transient && holdTransient) break;
      slots[index] = undefined;
      this.settledCount -= 1;
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
    this.start = index;
    // The taken front is dropped once it outweighs what is left: each slot is moved a bounded number of times.
    if (this.start >= 1024 && this.start * 2 >= slots.length) {
      this.slots = slots.slice(this.start);
      this.start = 0;
    }
    return window;
  }
}
