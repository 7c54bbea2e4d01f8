/**
 * When a checkpoint window is written: once `windowRows` rows are settled, and at the latest `windowMs`
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
    /** Writes the settled prefix; returns how many settled rows are still unwritten after it. */
    private readonly write: () => Promise<number>,
  ) {}

  /** A row settled; `pending` settled rows wait to be written. */
  settled(pending: number): void {
    if (this.stopped || pending <= 0) return;
    if (pending >= this.windowRows) {
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
   * Throws what a write threw, and waits for the writes under way once `pending` settled rows (a second window)
   * wait behind them: the loop goes on reading and sending while one window is written, and while the store is
   * unreachable rows do not pile up unwritten beyond that.
   */
  idle(pending: number): Promise<void> | undefined {
    // Between writes (nearly every row), or during one with room behind it, there is nothing to wait for: no
    // promise, no step of the event loop.
    if (this.writes === 0 || pending < this.windowRows) {
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
        const left = await this.write();
        if (left > 0 && !this.stopped) this.timer ??= setTimeout(() => void this.writeNow(), this.windowMs);
      } catch (error) {
        this.failure = { error };
      } finally {
        this.writes -= 1;
      }
    });
    return this.writing;
  }
}
