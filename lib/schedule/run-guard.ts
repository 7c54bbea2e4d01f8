/**
 * Lets one run happen at a time: a cron tick or a "run now" message that arrives while a run is in
 * progress is dropped, not queued, since the run in progress already claims what is due. close()
 * waits for it through idle().
 */
export class RunGuard {
  private current?: Promise<unknown>;

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts work unless a run is in progress; returns undefined when it did not start. */
  tryRun<T>(work: () => Promise<T>): Promise<T> | undefined {
    if (this.current) return undefined;
    const running = (async () => {
      try {
        return await work();
      } finally {
        this.current = undefined;
      }
    })();
    this.current = running;
    return running;
  }

  /** Resolves once no run is in progress; never rejects (the run's own caller handles its failure). */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }
}
