import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { classifyError, ConnectionFailedError, EndpointConfigError, MAX_RESPONSE_BODY_BYTES, RequestCancelledError, RequestTimeoutError, ApiClient } from '../../../lib/delivery';
import { useFixtures } from './fixtures';

describe('ApiClient', () => {
  const fixtures = useFixtures();

  it('sends basic credentials', async () => {
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, auth: { type: 'basic', username: 'alice', password: 'pä:ss' } });
    await client.request({ method: 'GET', path: '/ping' });
    assert.equal(server.requests[0].headers.authorization, `Basic ${Buffer.from('alice:pä:ss').toString('base64')}`);
  });

  it('sends a bearer token', async () => {
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, auth: { type: 'bearer', token: 'tok-123' } });
    await client.request({ method: 'GET', path: '/ping' });
    assert.equal(server.requests[0].headers.authorization, 'Bearer tok-123');
  });

  it('sends an API key in the configured header and no Authorization', async () => {
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, auth: { type: 'apiKey', header: 'X-Payroll-Key', value: 'k-9' } });
    await client.request({ method: 'GET', path: '/ping' });
    assert.equal(server.requests[0].headers['x-payroll-key'], 'k-9');
    assert.equal(server.requests[0].headers.authorization, undefined);
  });

  it('puts the path under the base URL prefix and merges config, auth, request headers and content type', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 201, headers: { 'x-answer': 'yes' }, body: { status: 'SUCCESS' } }) });
    const client = fixtures.client({
      baseUrl: `${server.url}/api/v1/`,
      auth: { type: 'bearer', token: 't' },
      headers: { 'X-Tenant': 'acme', 'X-Source': 'config' },
    });
    const response = await client.request({
      method: 'post',
      path: '/employees/42/bank',
      headers: { 'x-source': 'request', 'Idempotency-Key': 'bsync-1-1' },
      body: '{"iban":"DE89"}',
    });
    const seen = server.requests[0];
    assert.equal(seen.url, '/api/v1/employees/42/bank');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers['x-tenant'], 'acme');
    assert.equal(seen.headers['x-source'], 'request', 'request headers win over config headers');
    assert.equal(seen.headers['idempotency-key'], 'bsync-1-1');
    assert.equal(seen.headers['content-type'], 'application/json', 'a body without a content type is sent as JSON');
    assert.equal(seen.body, '{"iban":"DE89"}');
    assert.equal(response.status, 201);
    assert.equal(response.headers['x-answer'], 'yes');
    assert.deepEqual(JSON.parse(response.body), { status: 'SUCCESS' });
    assert.ok(response.durationMs >= 0);

    await client.request({ method: 'PUT', path: 'x', body: '<a/>', contentType: 'application/xml' });
    assert.equal(server.requests[1].url, '/api/v1/x');
    assert.equal(server.requests[1].headers['content-type'], 'application/xml');
  });

  it('keeps the first 64 KiB of a large answer and can send again on the same pool', async () => {
    const big = 'x'.repeat(MAX_RESPONSE_BODY_BYTES * 3);
    const server = await fixtures.server({ respond: () => ({ status: 200, body: big }) });
    const client = fixtures.client({ baseUrl: server.url, connections: 1 });
    const first = await client.request({ method: 'GET', path: '/big' });
    assert.equal(first.body.length, MAX_RESPONSE_BODY_BYTES);
    const second = await client.request({ method: 'GET', path: '/big' });
    assert.equal(second.status, 200);
  });

  it('rejects with a transient RequestTimeoutError when the answer takes longer than the timeout', { timeout: 10_000 }, async () => {
    const server = await fixtures.server({ respond: () => ({ hang: true }) });
    const client = fixtures.client({ baseUrl: server.url, timeoutMs: 200 });
    const error = await client.request({ method: 'GET', path: '/slow' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof RequestTimeoutError, `got ${String(error)}`);
    assert.equal(error.timeoutMs, 200);
    const outcome = classifyError(error);
    assert.equal(outcome.kind, 'transient');
    assert.match(outcome.kind === 'transient' ? outcome.error : '', /200 ms/);
  });

  it('rejects with a transient ConnectionFailedError carrying ECONNREFUSED when nothing listens', async () => {
    const port = await closedPort();
    const client = fixtures.client({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await client.request({ method: 'GET', path: '/' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ConnectionFailedError, `got ${String(error)}`);
    assert.equal(error.causeCode, 'ECONNREFUSED');
    const outcome = classifyError(error);
    assert.equal(outcome.kind, 'transient');
    assert.match(outcome.kind === 'transient' ? outcome.error : '', /ECONNREFUSED/);
  });

  it('rejects with RequestCancelledError when the caller aborts', { timeout: 10_000 }, async () => {
    const server = await fixtures.server({ respond: () => ({ hang: true }) });
    const client = fixtures.client({ baseUrl: server.url });
    const controller = new AbortController();
    const pending = client.request({ method: 'GET', path: '/slow', signal: controller.signal });
    await eventuallyTrue(() => server.requests.length === 1);
    controller.abort();
    await assert.rejects(pending, RequestCancelledError);
  });

  it('never has more than `connections` requests open at the server', async () => {
    const server = await fixtures.server({ respond: () => ({ status: 200, delayMs: 50 }) });
    const client = fixtures.client({ baseUrl: server.url, connections: 4 });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => client.request({ method: 'GET', path: `/r/${i}` })));
    assert.equal(responses.filter((response) => response.status === 200).length, 50);
    assert.ok(server.maxConcurrent <= 4, `server saw ${server.maxConcurrent} at once`);
    assert.ok(server.maxConcurrent > 1, 'requests were sent in parallel');
  });

  it('a request waiting for a free connection neither times out meanwhile nor stays waiting once its caller aborts', { timeout: 10_000 }, async () => {
    const server = await fixtures.server({ respond: () => ({ status: 200, delayMs: 150 }) });
    const client = fixtures.client({ baseUrl: server.url, connections: 1, timeoutMs: 250 });
    // The third waits for two answers (about 300 ms, beyond its 250 ms timeout) before its own starts.
    const answers = await Promise.all([1, 2, 3].map((n) => client.request({ method: 'GET', path: `/queued/${n}` })));
    assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200]);
    const controller = new AbortController();
    const first = client.request({ method: 'GET', path: '/first' });
    const waiting = client.request({ method: 'GET', path: '/waiting', signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, RequestCancelledError);
    assert.equal((await first).status, 200);
    assert.equal(server.requests.filter((request) => request.url === '/waiting').length, 0, 'the aborted request was never sent');
  });

  it('spaces requests to the rate limit, shared by all callers', async () => {
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, rateLimitPerSecond: 10 });
    const started = Date.now();
    // Two independent callers share one bucket: 10 at once (a second's burst), then 15 more at 10/s.
    await Promise.all([
      Promise.all(Array.from({ length: 12 }, () => client.request({ method: 'GET', path: '/a' }))),
      Promise.all(Array.from({ length: 13 }, () => client.request({ method: 'GET', path: '/b' }))),
    ]);
    const elapsed = Date.now() - started;
    assert.equal(server.requests.length, 25);
    assert.ok(elapsed >= 1_400, `25 requests at 10/s took only ${elapsed} ms`);
    const spread = server.requests[24].receivedAt - server.requests[0].receivedAt;
    assert.ok(spread >= 1_400, `the server saw them within ${spread} ms`);
  });

  it('refuses settings that cannot work with EndpointConfigError', () => {
    assert.throws(() => new ApiClient({ baseUrl: 'ftp://x', auth: { type: 'none' }, timeoutMs: 1, connections: 1 }), EndpointConfigError);
    assert.throws(() => new ApiClient({ baseUrl: 'not a url', auth: { type: 'none' }, timeoutMs: 1, connections: 1 }), EndpointConfigError);
    assert.throws(() => new ApiClient({ baseUrl: 'http://x', auth: { type: 'none' }, timeoutMs: 1, connections: 0 }), EndpointConfigError);
    assert.throws(
      () => new ApiClient({ baseUrl: 'http://x', auth: { type: 'oauth2', tokenUrl: '', clientId: 'c', clientSecret: 's' }, timeoutMs: 1, connections: 1 }),
      EndpointConfigError,
    );
  });
});

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function eventuallyTrue(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
