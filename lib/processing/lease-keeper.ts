import { renewLease, type Store } from '../store';

/**
 * Keeps a running batch's lease: every window write renews it, and between writes (slow rows, long
 * backoffs) a timer renews it before it runs out. A renewal that finds the lease gone marks it lost.
 */
export class LeaseKeeper {
  private lostLease = false;
  private lastRenewedAt = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly batchId: number,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly onLost: () => void,
    /** The batch's `attempts` when this run claimed it: a later claim is another run's lease. */
    private readonly claimAttempt?: number,
  ) {}

  get lost(): boolean {
    return this.lostLease;
  }

  start(): void {
    this.timer = setInterval(() => void this.keep(), Math.max(1000, Math.floor(this.leaseMs / 3)));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A window write renewed the lease (it writes `lease_until` with the counters). */
  renewed(at: number): void {
    this.lastRenewedAt = at;
  }

  /** Another runtime holds the batch now. */
  markLost(): void {
    if (this.lostLease) return;
    this.lostLease = true;
    this.onLost();
  }

  private async keep(): Promise<void> {
    if (this.lostLease || Date.now() - this.lastRenewedAt < this.leaseMs / 3) return;
    try {
      const now = Date.now();
      if (await renewLease(this.store, this.batchId, this.owner, now + this.leaseMs, now, this.claimAttempt)) this.lastRenewedAt = now;
      else this.markLost();
    } catch {
      // The database may be down for a moment: the next renewal or window write tries again.
    }
  }
}
