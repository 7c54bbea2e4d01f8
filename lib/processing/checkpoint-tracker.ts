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
 * A settled row as the tracker keeps it until its window is taken: a plain success (the most of a batch) as its
 * key alone, or as SUCCEEDED when there is no key to keep; any other result as it is.
 */
type Slot = RowResult | string | undefined;

/** A success whose key the window does not take (it had none, or the tracker keeps no keys). */
const SUCCEEDED: RowResult = Object.freeze({ ok: true });

/** Slots at first: a window of rows (1,000 by default) and the rows in flight after it fit without growing. */
const INITIAL_SLOTS = 2048;

/**
 * Rows finish out of order (they are sent concurrently); the checkpoint may only pass a row once every
 * row before it is settled. This keeps the settled rows until the prefix behind them is complete.
 *
 * They are kept in a ring of slots from the checkpoint on, made once and grown (rarely) by doubling, not a Map
 * nor an array pushed to: a Map that every row joins and leaves rehashes into new tables, which V8 links one to
 * the next, and an array pushed to and cut moves its rows into new stores; once a full collection has moved
 * one such table or store to the old generation, it keeps the results it held alive through scavenges until
 * the next full collection (see shared-abort-listener.ts), so they are promoted. A ring grown is emptied
 * after the copy for the same reason. A settled plain success keeps no object of its own: its key, or
 * nothing when keys are not kept.
 */
export class CheckpointTracker {
  /** The result of row `checkpoint + 1 + i` at `(head + i) & (slots.length - 1)`; the length a power of two. */
  private slots: Slot[] = emptySlots(INITIAL_SLOTS);
  private head = 0;
  private settledCount = 0;
  /** Settled rows from the checkpoint on with no gap: what the next window takes. */
  private contiguousCount = 0;
  /** Rows of the file that are not sent at all (resume skips them) still move the checkpoint. */
  private checkpoint: number;

  constructor(
    checkpointRow: number,
    /**
     * False when no window needs the keys of its delivered rows (a first run: only a replay settles their
     * copies in its lineage): a plain success then keeps nothing at all until its window is taken, and the
     * windows' `succeededKeys` leave those keys out.
     */
    private readonly keepKeys = true,
  ) {
    this.checkpoint = checkpointRow;
  }

  get checkpointRow(): number {
    return this.checkpoint;
  }

  /** How many settled rows wait to be written, those behind a row still under way included. */
  get pending(): number {
    return this.settledCount;
  }

  /** How many settled rows follow the checkpoint with no row under way between them: a window can take them. */
  get writable(): number {
    return this.contiguousCount;
  }

  settle(rowNumber: number, result: RowResult): void {
    if (rowNumber <= this.checkpoint) return;
    const offset = rowNumber - this.checkpoint - 1;
    // Rows settle a few ahead of the checkpoint at most: the ring seldom has to grow.
    if (offset >= this.slots.length) this.grow(offset + 1);
    const index = (this.head + offset) & (this.slots.length - 1);
    if (this.slots[index] === undefined) this.settledCount += 1;
    this.slots[index] = this.slotOf(result);
    if (offset === this.contiguousCount) this.extendContiguous();
  }

  /** The row after the gap-free run settled: the run now reaches the next row still under way. */
  private extendContiguous(): void {
    const { slots } = this;
    const mask = slots.length - 1;
    while (this.contiguousCount < slots.length && slots[(this.head + this.contiguousCount) & mask] !== undefined) this.contiguousCount += 1;
  }

  /**
   * The contiguous settled rows after the checkpoint. With `holdTransient` (the downstream is down),
   * a row that failed for a transient reason is not settled: it stops the window and is sent again later.
   */
  takeWindow(holdTransient: boolean): Window {
    const window: Window = { checkpointRow: this.checkpoint, processed: 0, succeeded: 0, failed: 0, failures: [], rowNumbers: [], succeededKeys: [], skipped: 0, mappings: [] };
    const { slots } = this;
    const mask = slots.length - 1;
    let index = this.head;
    for (let row = this.checkpoint + 1; slots[index] !== undefined; row += 1, index = (index + 1) & mask) {
      const slot = slots[index]!;
      if (typeof slot === 'string') {
        slots[index] = undefined;
        this.settledCount -= 1;
        window.checkpointRow = row;
        window.processed += 1;
        window.rowNumbers.push(row);
        window.succeeded += 1;
        window.succeededKeys.push(slot);
        continue;
      }
      const result = slot;
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
    this.head = index;
    // The window took the front of the gap-free run; a transient row it held back starts what is left of it.
    this.contiguousCount -= window.processed;
    return window;
  }

  /** What the window takes of a result, and no more: a plain success is its key (or SUCCEEDED). */
  private slotOf(result: RowResult): Exclude<Slot, undefined> {
    if (!result.ok || result.skipped || result.mapping) return result;
    return this.keepKeys && result.key ? result.key : SUCCEEDED;
  }

  /** A ring of at least `needed` slots (twice as many at least), the settled rows in their order from the checkpoint. */
  private grow(needed: number): void {
    const { slots } = this;
    let length = slots.length * 2;
    while (length < needed) length *= 2;
    const grown = emptySlots(length);
    const mask = slots.length - 1;
    for (let i = 0; i < slots.length; i += 1) grown[i] = slots[(this.head + i) & mask];
    // The old ring, garbage now, may be in the old generation: emptied, it keeps no result alive meanwhile.
    slots.fill(undefined);
    this.slots = grown;
    this.head = 0;
  }
}

function emptySlots(length: number): Slot[] {
  return new Array<Slot>(length).fill(undefined);
}
