/** Extends the lease to `leaseUntil`; false when it is no longer this run's (renewLease, renewErrorPayloadLease). */
export type RenewLease = (leaseUntil: number, now: number) => Promise<boolean>;

/**
 * Keeps a running batch's lease (or a resent error payload's): every window write renews it, and between
 * writes (slow rows, long backoffs, a wait for the key map) a timer renews it before it runs out. A renewal
 * that finds the lease gone marks it lost.
 */
export class LeaseKeeper {
  private lostLease = false;
  private lastRenewedAt = Date.now();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly renew: RenewLease,
    private readonly leaseMs: number,
    private readonly onLost: () => void,
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
      if (await this.renew(now + this.leaseMs, now)) this.lastRenewedAt = now;
      else this.markLost();
    } catch {
      // The database may be down for a moment: the next renewal or window write tries again.
    }
  }
}
