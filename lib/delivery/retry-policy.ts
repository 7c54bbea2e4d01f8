// How long to wait before the next attempt of a transiently failed request.

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * A downstream's Retry-After is honoured even when it is longer than `maxDelayMs`: it knows when it
 * will take requests again, and retrying earlier only earns another 429/503. It is capped here so a
 * wrong or hostile header cannot stall a batch for hours; past that the breaker and the batch's
 * ERROR_RETRY parking are the better tools.
 */
export const RETRY_AFTER_CEILING_MS = 5 * 60_000;

/**
 * The wait after failed attempt number `attempt` (1 for the first): exponential growth from
 * `baseDelayMs`, capped by `maxDelayMs`, with full jitter (a random point in [0, cap]) so many rows
 * failing together do not come back together; never shorter than Retry-After (up to the ceiling).
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const jittered = Math.round(random() * Math.max(0, cap));
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(0, retryAfterMs), RETRY_AFTER_CEILING_MS);
  return Math.max(jittered, floor);
}
