import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, CircuitBreaker, RETRY_AFTER_CEILING_MS, type RetryPolicy } from '../../../lib/delivery';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const highest = () => 0.999999;
const lowest = () => 0;

describe('backoffDelay', () => {
  it('grows exponentially from the base delay', () => {
    assert.deepEqual([1, 2, 3].map((attempt) => backoffDelay(policy, attempt, undefined, highest)), [100, 200, 400]);
  });

  it('is capped by maxDelayMs', () => {
    assert.equal(backoffDelay(policy, 10, undefined, highest), 1_000);
    assert.equal(backoffDelay(policy, 60, undefined, highest), 1_000);
  });

  it('jitters between zero and the cap', () => {
    assert.equal(backoffDelay(policy, 3, undefined, lowest), 0);
    assert.equal(backoffDelay(policy, 3, undefined, () => 0.5), 200);
  });

  it('never waits less than Retry-After, even above maxDelayMs', () => {
    assert.equal(backoffDelay(policy, 1, 2_500, lowest), 2_500);
    assert.equal(backoffDelay(policy, 4, 50, highest), 800, 'a shorter Retry-After does not shorten the backoff');
  });

  it('caps Retry-After at the ceiling', () => {
    assert.equal(backoffDelay(policy, 1, 24 * 3_600_000, lowest), RETRY_AFTER_CEILING_MS);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive transient failures', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    breaker.recordTransientFailure();
    breaker.recordTransientFailure();
    assert.equal(breaker.isOpen, false);
    breaker.recordTransientFailure();
    assert.equal(breaker.isOpen, true);
  });

  it('a success resets the run', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    breaker.recordTransientFailure();
    breaker.recordSuccess();
    breaker.recordTransientFailure();
    assert.equal(breaker.isOpen, false);
    breaker.recordTransientFailure();
    assert.equal(breaker.isOpen, true);
    breaker.reset();
    assert.equal(breaker.isOpen, false);
  });
});
