/** At most `limit` tasks at once; `acquire` waits for a free slot. */
export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly limit: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    const running = task().finally(() => {
      this.active -= 1;
      this.running.delete(running);
      this.waiting.shift()?.();
    });
    this.running.add(running);
  }

  /** Waits for every started task (they never reject: tasks settle their own errors). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
