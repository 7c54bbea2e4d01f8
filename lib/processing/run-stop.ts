/**
 * When a batch run stops taking rows, and why: the node closing (`signal`), its close time nearly up
 * (`cancel`), the downstream found down, or the lease lost. The node's signals live as long as the node;
 * a run only listens to them while it runs, and `release()` lets go of them when it ends.
 */
export class RunStop {
  private readonly sending = new AbortController();
  private readonly releases: (() => void)[] = [];

  constructor(
    /** Aborted when the node closes: no new rows, the requests in flight finish. */
    private readonly closing: AbortSignal,
    /** Aborted when the node's close time is nearly up: the requests in flight are cut off. */
    readonly cancel?: AbortSignal,
  ) {
    this.follow(closing);
    if (cancel) this.follow(cancel);
  }

  /** Aborted once the run takes no more rows: stops retries and backoff waits of the rows in flight. */
  get sendingSignal(): AbortSignal {
    return this.sending.signal;
  }

  get stopped(): boolean {
    return this.sending.signal.aborted;
  }

  /** The runtime is stopping (as opposed to the downstream being down or the lease lost). */
  get runtimeStopping(): boolean {
    return this.closing.aborted || this.cancel?.aborted === true;
  }

  /** The requests in flight were cut off: what they return says nothing about their rows. */
  get cancelled(): boolean {
    return this.cancel?.aborted === true;
  }

  stop(): void {
    this.sending.abort();
  }

  /** Removes the listeners this run put on the node's signals. */
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }

  private follow(source: AbortSignal): void {
    if (source.aborted) {
      this.stop();
      return;
    }
    const stop = () => this.stop();
    source.addEventListener('abort', stop, { once: true });
    this.releases.push(() => source.removeEventListener('abort', stop));
  }
}
