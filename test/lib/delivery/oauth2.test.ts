import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError, TokenRequestError, type EndpointAuth } from '../../../lib/delivery';
import type { TestHttpServer } from '../../support/http-server';
import { sleep, useFixtures } from './fixtures';

const TOKEN_PATH = '/oauth/token';

function oauth(server: TestHttpServer, extra: Partial<Extract<EndpointAuth, { type: 'oauth2' }>> = {}): EndpointAuth {
  return { type: 'oauth2', tokenUrl: `${server.url}${TOKEN_PATH}`, clientId: 'payroll-sync', clientSecret: 's3cr3t', ...extra };
}

/** A token endpoint handing out tok-1, tok-2, … and an API accepting only the newest one. */
function issueTokens(server: TestHttpServer, expiresIn?: number): { current(): string } {
  let issued = 0;
  server.route(`POST ${TOKEN_PATH}`, () => {
    issued += 1;
    return { status: 200, body: { access_token: `tok-${issued}`, token_type: 'Bearer', ...(expiresIn ? { expires_in: expiresIn } : {}) } };
  });
  const current = () => `tok-${issued}`;
  server.route('/api/rows', (request) => (request.headers.authorization === `Bearer ${current()}` ? { status: 200 } : { status: 401 }));
  return { current };
}

describe('ApiClient with OAuth2 client credentials', () => {
  const fixtures = useFixtures();

  it('fetches one token for 20 concurrent requests, with client credentials as basic auth and a form body', async () => {
    const server = await fixtures.server();
    issueTokens(server, 3600);
    const client = fixtures.client({ baseUrl: `${server.url}/api`, auth: oauth(server, { scope: 'rows:write', audience: 'payroll' }) });
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.request({ method: 'POST', path: '/rows', body: '{}' })));
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    const tokenRequests = server.requestsTo(`POST ${TOKEN_PATH}`);
    assert.equal(tokenRequests.length, 1);
    const [tokenRequest] = tokenRequests;
    assert.equal(tokenRequest.headers.authorization, `Basic ${Buffer.from('payroll-sync:s3cr3t').toString('base64')}`);
    assert.equal(tokenRequest.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(tokenRequest.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), 'rows:write');
    assert.equal(form.get('audience'), 'payroll');
    assert.ok(server.requestsTo('/api/rows').every((request) => request.headers.authorization === 'Bearer tok-1'));
  });

  it('renews the token before it expires', { timeout: 10_000 }, async () => {
    const server = await fixtures.server();
    issueTokens(server, 1);
    const client = fixtures.client({ baseUrl: `${server.url}/api`, auth: oauth(server) });
    await client.request({ method: 'GET', path: '/rows' });
    await client.request({ method: 'GET', path: '/rows' });
    assert.equal(server.requestsTo(TOKEN_PATH).length, 1, 'the token is reused while it is valid');
    await sleep(1_000);
    const response = await client.request({ method: 'GET', path: '/rows' });
    assert.equal(response.status, 200);
    assert.equal(server.requestsTo(TOKEN_PATH).length, 2);
    const api = server.requestsTo('/api/rows');
    assert.equal(api[api.length - 1].headers.authorization, 'Bearer tok-2');
    assert.equal(api.length, 3, 'no request was refused on the way');
  });

  it('on a 401 drops the token, fetches a new one and retries the request once', async () => {
    const server = await fixtures.server();
    const tokens = issueTokens(server);
    const client = fixtures.client({ baseUrl: `${server.url}/api`, auth: oauth(server) });
    await client.request({ method: 'GET', path: '/rows' });
    // tok-1 is revoked before it expires: the API refuses it once; a fresh token is accepted.
    server.script('/api/rows', { status: 401, body: { error: 'invalid_token' } });
    const response = await client.request({ method: 'POST', path: '/rows', body: '{"n":1}', headers: { 'Idempotency-Key': 'bsync-1-1' } });
    assert.equal(response.status, 200);
    assert.equal(tokens.current(), 'tok-2');
    assert.equal(server.requestsTo(TOKEN_PATH).length, 2);
    const retried = server.requestsTo('POST /api/rows');
    assert.deepEqual(retried.map((request) => request.headers.authorization), ['Bearer tok-1', 'Bearer tok-2']);
    assert.deepEqual(retried.map((request) => request.headers['idempotency-key']), ['bsync-1-1', 'bsync-1-1']);
  });

  it('many requests refused with the same revoked token share one new token', async () => {
    const server = await fixtures.server();
    let issued = 0;
    let revoked = false;
    server.route(`POST ${TOKEN_PATH}`, () => ({ status: 200, body: { access_token: `tok-${(issued += 1)}` } }));
    server.route('/api/rows', (request) => ({ status: revoked && request.headers.authorization === 'Bearer tok-1' ? 401 : 200, delayMs: 20 }));
    const client = fixtures.client({ baseUrl: `${server.url}/api`, auth: oauth(server), connections: 20 });
    await client.request({ method: 'GET', path: '/rows' });
    revoked = true;
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.request({ method: 'GET', path: '/rows' })));
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(server.requestsTo(TOKEN_PATH).length, 2);
  });

  it('retries a 401 only once: an API that keeps refusing gets its 401 back', async () => {
    const server = await fixtures.server();
    issueTokens(server);
    server.route('/always-401', () => ({ status: 401, body: { error: 'invalid_token' } }));
    const client = fixtures.client({ baseUrl: server.url, auth: oauth(server) });
    const response = await client.request({ method: 'GET', path: '/always-401' });
    assert.equal(response.status, 401);
    assert.equal(server.requestsTo('/always-401').length, 2);
    assert.equal(server.requestsTo(TOKEN_PATH).length, 2);
  });

  it('a token endpoint that is down is a transient TokenRequestError', async () => {
    const server = await fixtures.server();
    server.route(TOKEN_PATH, () => ({ status: 503, body: 'maintenance' }));
    const client = fixtures.client({ baseUrl: server.url, auth: oauth(server) });
    const error = await client.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof TokenRequestError, String(error));
    assert.equal(error.transient, true);
    assert.equal(classifyError(error).kind, 'transient');
    assert.equal(server.requestsTo('/x').length, 0, 'nothing is sent without a token');
  });

  it('a token endpoint that refuses the client is a permanent TokenRequestError saying why', async () => {
    const server = await fixtures.server();
    server.route(TOKEN_PATH, () => ({ status: 401, body: { error: 'invalid_client', error_description: 'unknown client' } }));
    const client = fixtures.client({ baseUrl: server.url, auth: oauth(server) });
    const error = await client.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof TokenRequestError, String(error));
    assert.equal(error.transient, false);
    assert.match(error.message, /token endpoint .* HTTP 401 Unauthorized: invalid_client unknown client/);
    const outcome = classifyError(error);
    assert.equal(outcome.kind, 'permanent');
    assert.equal(outcome.kind === 'permanent' && outcome.status, 401);
  });

  it('an unreachable token endpoint is transient', async () => {
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, auth: { type: 'oauth2', tokenUrl: 'http://127.0.0.1:1/token', clientId: 'c', clientSecret: 's' } });
    const error = await client.request({ method: 'GET', path: '/x' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof TokenRequestError, String(error));
    assert.equal(error.transient, true);
    assert.match(error.message, /ECONNREFUSED/);
  });
});
