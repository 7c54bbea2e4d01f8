import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker, deliver, type Outcome, type RetryPolicy } from '../../../lib/delivery';
import { idempotencyKey, IDEMPOTENCY_HEADER } from '../../../lib/lineage';
import { useFixtures } from './fixtures';

/** Short pauses, so only a Retry-After can explain a long gap between attempts. */
const quick: RetryPolicy = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
const ROW = { method: 'POST', path: '/employees', body: '{"employeeNumber":"E1"}', headers: { [IDEMPOTENCY_HEADER]: idempotencyKey(7, 3) } };
/** Clock granularity between client timers and server stamps. */
const SLACK_MS = 5;

describe('deliver', () => {
  const fixtures = useFixtures();

  it('retries until success', async () => {
    const server = await fixtures.server();
    server.script('/employees', { status: 503 }, { status: 502 });
    const client = fixtures.client({ baseUrl: server.url });
    const result = await deliver(client, ROW, { policy: quick });
    assert.equal(result.outcome.kind, 'success');
    assert.equal(result.attempts, 3);
    assert.equal(server.requests.length, 3);
  });

  it('waits as long as Retry-After says in seconds, even above maxDelayMs', { timeout: 15_000 }, async () => {
    const server = await fixtures.server();
    server.script('/employees', { status: 429, headers: { 'Retry-After': '1' } });
    const client = fixtures.client({ baseUrl: server.url });
    const result = await deliver(client, ROW, { policy: quick });
    assert.equal(result.outcome.kind, 'success');
    const gap = server.requests[1].receivedAt - server.requests[0].receivedAt;
    assert.ok(gap >= 1_000 - SLACK_MS, `second attempt came after ${gap} ms`);
  });

  it('waits until the HTTP date of Retry-After', { timeout: 15_000 }, async () => {
    const server = await fixtures.server();
    let retryAt = 0;
    server.route('/employees', (request) => {
      if (request.index > 0) return { status: 200 };
      const header = new Date(Date.now() + 2_000).toUTCString();
      retryAt = Date.parse(header);
      return { status: 503, headers: { 'Retry-After': header } };
    });
    const client = fixtures.client({ baseUrl: server.url });
    const result = await deliver(client, ROW, { policy: quick });
    assert.equal(result.outcome.kind, 'success');
    assert.ok(retryAt - server.requests[0].receivedAt > 500, 'the date is far enough ahead to tell');
    assert.ok(server.requests[1].receivedAt >= retryAt - SLACK_MS, `came ${retryAt - server.requests[1].receivedAt} ms early`);
  });

  it('stops at maxAttempts with the last transient outcome, sending the same Idempotency-Key every time', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 503, body: { errorCode: 'MAINT', message: 'maintenance' } }) });
    const client = fixtures.client({ baseUrl: server.url });
    const seen: [number, Outcome['kind']][] = [];
    const result = await deliver(client, ROW, { policy: { ...quick, maxAttempts: 4 }, onAttempt: (attempt, outcome) => seen.push([attempt, outcome.kind]) });
    assert.equal(result.attempts, 4);
    assert.equal(server.requests.length, 4);
    assert.equal(result.outcome.kind, 'transient');
    assert.equal(result.outcome.kind === 'transient' && result.outcome.status, 503);
    assert.match(result.outcome.kind === 'transient' ? result.outcome.error : '', /MAINT maintenance/);
    assert.deepEqual(seen, [[1, 'transient'], [2, 'transient'], [3, 'transient'], [4, 'transient']]);
    assert.deepEqual(new Set(server.requests.map((request) => request.headers['idempotency-key'])), new Set(['bsync-7-3']));
    assert.deepEqual(new Set(server.requests.map((request) => request.body)), new Set([ROW.body]));
  });

  it('does not retry a permanent failure', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 422, body: { errorCode: 'E17', message: 'bad IBAN' } }) });
    const client = fixtures.client({ baseUrl: server.url });
    const result = await deliver(client, ROW, { policy: quick });
    assert.equal(result.attempts, 1);
    assert.equal(result.outcome.kind, 'permanent');
  });

  it('does not retry a 200 that fails the success check', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 200, body: { status: 'ERROR', errorCode: 'E42', message: 'closed account' } }) });
    const client = fixtures.client({ baseUrl: server.url });
    const result = await deliver(client, ROW, { policy: quick, successCheck: async (body) => ({ ok: (body as { status?: string }).status === 'SUCCESS' }) });
    assert.equal(result.attempts, 1);
    assert.equal(result.outcome.kind, 'permanent');
    assert.equal(result.outcome.kind === 'permanent' && result.outcome.status, 200);
    assert.match(result.outcome.kind === 'permanent' ? result.outcome.error : '', /E42 closed account/);
  });

  it('stops retrying once the circuit breaker opens, and sends nothing while it is open', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 503 }) });
    const client = fixtures.client({ baseUrl: server.url });
    const breaker = new CircuitBreaker({ failureThreshold: 3 });
    const first = await deliver(client, ROW, { policy: { ...quick, maxAttempts: 10 }, breaker });
    assert.equal(first.attempts, 3);
    assert.equal(breaker.isOpen, true);
    assert.equal(first.outcome.kind, 'transient');

    const second = await deliver(client, { ...ROW, headers: { [IDEMPOTENCY_HEADER]: idempotencyKey(7, 4) } }, { policy: quick, breaker });
    assert.equal(second.attempts, 0);
    assert.equal(second.outcome.kind, 'transient');
    assert.match(second.outcome.kind === 'transient' ? second.outcome.error : '', /circuit breaker is open/);
    assert.equal(server.requests.length, 3);
  });

  it('does not count permanent failures towards the breaker, and a success resets it', async () => {
    const server = await fixtures.server();
    server.script('/employees', { status: 503 }, { status: 200 }, { status: 400 }, { status: 503 });
    const client = fixtures.client({ baseUrl: server.url });
    const breaker = new CircuitBreaker({ failureThreshold: 2 });
    await deliver(client, ROW, { policy: quick, breaker });
    assert.equal(breaker.isOpen, false, 'the success after one failure reset the run');
    await deliver(client, ROW, { policy: quick, breaker });
    assert.equal(breaker.isOpen, false, 'a 400 is not a sign the downstream is down');
    await deliver(client, ROW, { policy: { ...quick, maxAttempts: 1 }, breaker });
    assert.equal(breaker.isOpen, false, 'only the 503 counted, not the 400 before it: 1 is under the threshold of 2');
  });

  it('stops waiting for the next attempt when the signal aborts', { timeout: 10_000 }, async () => {
    const server = await fixtures.server({ respond: () => ({ status: 503, headers: { 'Retry-After': '60' } }) });
    const client = fixtures.client({ baseUrl: server.url });
    const controller = new AbortController();
    const breaker = new CircuitBreaker({ failureThreshold: 5 });
    const result = deliver(client, ROW, { policy: quick, signal: controller.signal, breaker, onAttempt: () => setImmediate(() => controller.abort()) });
    const { outcome, attempts } = await result;
    assert.equal(attempts, 1);
    assert.equal(outcome.kind, 'transient');
    assert.equal(server.requests.length, 1);
  });
});
