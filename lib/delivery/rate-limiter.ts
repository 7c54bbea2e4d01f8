// A token bucket shared by every request of one endpoint, so the downstream never sees more than its
// agreed rate however many rows or batches are sending at once.
import { performance } from 'node:perf_hooks';
import { abortableSleep } from './abortable-sleep';

export class RateLimiter {
  private tokens: number;
  private refilledAt: number;
  private readonly capacity: number;

  /**
   * `ratePerSecond` tokens come back every second; an idle endpoint may send one second's worth at once
   * (the bucket's capacity), after that requests are spaced 1/rate apart.
   */
  constructor(private readonly ratePerSecond: number) {
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.refilledAt = performance.now();
  }

  /**
   * Waits until the caller may send. Each caller reserves its token on arrival (the bucket may go
   * negative), which keeps callers in arrival order without a queue. Resolves false when the signal
   * aborted first; the reserved token is then given back.
   */
  async take(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return true;
    const waitMs = (-this.tokens / this.ratePerSecond) * 1000;
    const allowed = await abortableSleep(waitMs, signal);
    if (!allowed) this.tokens += 1;
    return allowed;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
  }
}
