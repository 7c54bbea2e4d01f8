/**
 * The flow nodes that use a config node (a batch-store, an api-endpoint), as Node-RED's MQTT broker node
 * keeps them: a flow node registers when it starts and deregisters when its close is done. Node-RED
 * closes config nodes in the same pass as the flow nodes, so a config node's close waits here until its
 * last user is gone before it lets go of its pool.
 */
export class ConfigUsers {
  private readonly users = new Set<string>();
  private waiters: Array<() => void> = [];

  register(userId: string): void {
    this.users.add(userId);
  }

  deregister(userId: string): void {
    this.users.delete(userId);
    if (this.users.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get count(): number {
    return this.users.size;
  }

  /** Resolves when no node uses it any more, or after `timeoutMs` (true: every user was gone in time). */
  whenUnused(timeoutMs: number): Promise<boolean> {
    if (this.users.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((wake) => wake !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }
}
