// One row to the API: send, judge the answer, retry what may work later, give up in time.
import type { ApiClient } from './api-client';
import type { ApiRequest } from './api-types';
import { abortableSleep } from './abortable-sleep';
import type { CircuitBreaker } from './circuit-breaker';
import { classifyError, classifyResponse, type Outcome, type SuccessCheck } from './classify';
import { RequestCancelledError } from './errors';
import { backoffDelay, type RetryPolicy } from './retry-policy';

export interface DeliverOptions {
  policy: RetryPolicy;
  successCheck?: SuccessCheck;
  /** Stops retrying when the node closes or the batch is given up; the request in flight finishes or times out. */
  signal?: AbortSignal;
  /** Shared by every row of a batch run: counts their transient failures, stops retries when open. */
  breaker?: CircuitBreaker;
  onAttempt?: (attempt: number, outcome: Outcome) => void;
}

export interface Delivery {
  outcome: Outcome;
  /** Requests actually sent; 0 when the breaker was already open or the signal already aborted. */
  attempts: number;
}

/**
 * Sends `request` until it succeeds, fails permanently, or `policy.maxAttempts` is used up, and returns
 * the last outcome. A transient outcome is also returned early when the signal aborts or the breaker
 * opens: the caller then checkpoints and re-parks the batch instead of storing the row as failed.
 * Every attempt sends the very same request, so its Idempotency-Key never changes.
 */
export async function deliver(client: ApiClient, request: ApiRequest, options: DeliverOptions): Promise<Delivery> {
  const { policy, successCheck, breaker, onAttempt } = options;
  const signal = options.signal ?? request.signal;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  // options.signal only stops further attempts: a request already sent finishes or times out, so a
  // closing runtime does not cut a row the downstream may be applying. request.signal cancels it.
  const attemptRequest: ApiRequest = request;
  let outcome = notSent(signal, breaker);
  if (outcome) return { outcome, attempts: 0 };

  for (let attempt = 1; ; attempt += 1) {
    let cancelled = false;
    try {
      // Without a success check an answer is judged at once: no promise of its own to wait for.
      const classified = classifyResponse(await client.request(attemptRequest), successCheck);
      outcome = classified instanceof Promise ? await classified : classified;
    } catch (error) {
      cancelled = error instanceof RequestCancelledError;
      outcome = classifyError(error);
    }
    // The answer was redacted as it came; what classify decoded from its JSON is checked once more.
    outcome = client.redactOutcome(outcome);
    // A request we cancelled ourselves says nothing about the downstream's health.
    if (outcome.kind === 'success') breaker?.recordSuccess();
    else if (outcome.kind === 'transient' && !cancelled) breaker?.recordTransientFailure();
    onAttempt?.(attempt, outcome);

    if (outcome.kind !== 'transient' || attempt >= maxAttempts || notSent(signal, breaker)) return { outcome, attempts: attempt };
    const waited = await abortableSleep(backoffDelay(policy, attempt, outcome.retryAfterMs), signal);
    if (!waited) return { outcome, attempts: attempt };
  }
}

function notSent(signal: AbortSignal | undefined, breaker: CircuitBreaker | undefined): Outcome | undefined {
  if (signal?.aborted) return { kind: 'transient', error: 'not sent: delivery was stopped' };
  if (breaker?.isOpen) return { kind: 'transient', error: `not sent: the circuit breaker is open after ${breaker.failures} transient failures in a row` };
  return undefined;
}
