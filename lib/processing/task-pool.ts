import { ConcurrencyGate } from '../delivery/concurrency-gate';

/** Runs row tasks with at most `limit` at once; `run` returns once the task has started. */
export class TaskPool {
  private readonly gate: ConcurrencyGate;
  private readonly running = new Set<Promise<void>>();

  constructor(limit: number) {
    this.gate = new ConcurrencyGate(limit);
  }

  async run(task: () => Promise<void>): Promise<void> {
    const release = await this.gate.enter();
    const running = task().finally(() => {
      release?.();
      this.running.delete(running);
    });
    this.running.add(running);
  }

  /** Waits for every started task (tasks settle their own errors). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
