/** What the schedule reads of the settled rows (a CheckpointTracker). */
export interface SettledRows {
  /** Settled rows right after the checkpoint, with no row under way between them: what a window takes now. */
  readonly writable: number;
  /** Settled rows not written yet, those behind a row still under way included. */
  readonly pending: number;
}

/**
 * When a checkpoint window is written: once `windowRows` rows can go in it, and at the latest `windowMs`
 * after the first row that is not written yet settled. The time bound runs on a timer, not on the read
 * loop: a loop waiting for a free slot (slow rows) or for the file still writes the rows that did settle,
 * so a crash re-sends at most the rows in flight plus those settled within the last `windowMs`.
 * Writes never overlap: each one waits for the one before it. A write that fails on the timer is kept
 * and thrown to the loop at its next `idle` or `flush`.
 */
export class WindowSchedule {
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  /** A write is queued behind the one under way: a second one would find nothing more to take. */
  private queued = false;
  /** Writes queued or under way: `idle` waits only while there is one. */
  private writes = 0;
  private failure: { error: unknown } | undefined;
  private stopped = false;

  constructor(
    private readonly windowRows: number,
    private readonly windowMs: number,
    private readonly rows: SettledRows,
    /** Writes the settled prefix. */
    private readonly write: () => Promise<void>,
  ) {}

  /**
   * A row settled. A window is written once `windowRows` rows can go in it: rows settled behind a row still
   * under way (a slow one, one waiting out its backoff) wait for the timer, so they do not make a write of a
   * few rows each time one more settles.
   */
  settled(): void {
    if (this.stopped || this.rows.pending <= 0) return;
    if (this.rows.writable >= this.windowRows) {
      void this.writeNow();
      return;
    }
    this.timer ??= setTimeout(() => void this.writeNow(), this.windowMs);
  }

  /** Writes the settled prefix now (after any write under way) and throws what a write threw. */
  async flush(): Promise<void> {
    await this.writeNow();
    this.throwIfFailed();
  }

  /**
   * Throws what a write threw, and waits for the writes under way once a second window's rows are writable
   * behind them: the loop goes on reading and sending while one window is written, and while the store is
   * unreachable rows do not pile up unwritten beyond that.
   */
  idle(): Promise<void> | undefined {
    // Between writes (nearly every row), or during one with room behind it, there is nothing to wait for: no
    // promise, no step of the event loop.
    if (this.writes === 0 || this.rows.writable < this.windowRows) {
      this.throwIfFailed();
      return undefined;
    }
    return this.writing.then(() => this.throwIfFailed());
  }

  /** No more timed writes (the run has ended); a write under way is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  private writeNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued) return this.writing;
    this.queued = true;
    this.writes += 1;
    this.writing = this.writing.then(async () => {
      this.queued = false;
      try {
        if (this.failure) return;
        // Rows the prefix could not take yet (one before them is still in flight) keep their deadline.
        await this.write();
        if (this.rows.pending > 0 && !this.stopped) this.timer ??= setTimeout(() => void this.writeNow(), this.windowMs);
      } catch (error) {
        this.failure = { error };
      } finally {
        this.writes -= 1;
      }
    });
    return this.writing;
  }
}
