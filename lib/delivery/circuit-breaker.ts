// A run of transient failures means the downstream is down, not the rows: time to stop sending.
// One breaker per batch run; the processor re-parks the batch (ERROR_RETRY) when it opens, so there
// is no half-open state here: the next run starts closed.

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private readonly failureThreshold: number;

  constructor(options: { failureThreshold: number }) {
    this.failureThreshold = Math.max(1, Math.floor(options.failureThreshold));
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
  }

  recordTransientFailure(): void {
    this.consecutiveFailures += 1;
  }

  get isOpen(): boolean {
    return this.consecutiveFailures >= this.failureThreshold;
  }

  /** Transient failures in the current run, for the message that says why the batch was parked. */
  get failures(): number {
    return this.consecutiveFailures;
  }

  reset(): void {
    this.consecutiveFailures = 0;
  }
}
