/**
 * Runs row tasks with at most `limit` at once; `run` returns once the task has started. A batch starts
 * one task per row, so a task costs one promise of its own and no more: a free slot starts it at once,
 * a full pool keeps the caller waiting until a task ends.
 */
export class TaskPool {
  private readonly limit: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private drained: (() => void)[] = [];
  private readonly onTaskEnd = () => this.taskEnded();
  private readonly onTaskError = (error: unknown) => {
    this.taskEnded();
    // Not swallowed: a task that lets an error escape is a bug that must show.
    throw error;
  };

  constructor(limit: number) {
    this.limit = limit;
  }

  run(task: () => Promise<void>): Promise<void> {
    if (this.active < this.limit) {
      try {
        this.start(task);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve();
    }
    return this.queue(task);
  }

  /**
   * As `run`, for a loop that starts a task per row: undefined when a free slot started the task at once (no
   * promise to await, no step of the event loop), and what the task threw before returning its promise thrown.
   */
  startOrQueue(task: () => Promise<void>): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.start(task);
      return undefined;
    }
    return this.queue(task);
  }

  private queue(task: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push(() => {
        try {
          this.start(task);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Waits for every started task, and those still waiting to start (tasks settle their own errors). */
  drain(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** Throws what `task` throws before it returns its promise, its slot freed. */
  private start(task: () => Promise<void>): void {
    this.active += 1;
    let running: Promise<void>;
    try {
      running = task();
    } catch (error) {
      this.taskEnded();
      throw error;
    }
    void running.then(this.onTaskEnd, this.onTaskError);
  }

  private taskEnded(): void {
    this.active -= 1;
    const next = this.waiting.shift();
    if (next) {
      next();
      return;
    }
    if (this.active === 0 && this.drained.length > 0) {
      const drained = this.drained;
      this.drained = [];
      for (const resolve of drained) resolve();
    }
  }
}
