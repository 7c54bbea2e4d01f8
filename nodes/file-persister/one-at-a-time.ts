/**
 * Runs hand-offs one after the other: the poller and input messages share the target folders and the
 * duplicate check, and a redeploy must be able to wait for the one in progress.
 */
export class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
