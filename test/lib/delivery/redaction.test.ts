import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliver, type EndpointAuth, type Outcome } from '../../../lib/delivery';
import type { RecordedRequest, TestHttpServer } from '../../support/http-server';
import { useFixtures } from './fixtures';

// Secrets with characters that JSON, URL and form encoding each spell differently.
const PASSWORD = 'pa"ss/w\u00f6rd+1 &x';
const TOKEN = 'bearer-t0ken/with+slash=';
const API_KEY = 'key "quoted" & spaced';
const CLIENT_SECRET = 'client s3cret/"+&';
const ACCESS_TOKEN = 'access-tok/en+from="idp"';

/** What a careless downstream does: every header and the body back, in its error answer and a header. */
function echoEverything(request: RecordedRequest, status: number) {
  return {
    status,
    headers: { 'x-echo-authorization': String(request.headers.authorization ?? ''), 'x-echo-key': String(request.headers['x-api-key'] ?? '') },
    body: {
      message: `refused: you sent ${JSON.stringify(request.headers)}`,
      decoded: Buffer.from(String(request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8'),
      urlEncoded: encodeURIComponent(String(request.headers.authorization ?? '')),
      headers: request.headers,
      body: request.body,
    },
  };
}

/** Every spelling of the secrets that must never come out. */
function forbidden(...secrets: string[]): string[] {
  return secrets.flatMap((secret) => [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
}

function assertClean(text: string | undefined, secrets: string[], where: string): void {
  assert.ok(text, `${where} is there`);
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} must not contain ${JSON.stringify(secret)}: ${text}`);
  assert.match(text, /\[redacted\]/, `${where} says something was redacted`);
}

async function deliverOnce(client: Parameters<typeof deliver>[0]): Promise<Outcome> {
  const { outcome } = await deliver(client, { method: 'POST', path: '/employees/7', body: '{"employeeNumber":"7"}' }, { policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  return outcome;
}

describe('secrets in what a downstream echoes', () => {
  const fixtures = useFixtures();

  const cases: { name: string; auth: EndpointAuth; secrets: string[] }[] = [
    { name: 'basic', auth: { type: 'basic', username: 'payroll', password: PASSWORD }, secrets: [...forbidden(PASSWORD), Buffer.from(`payroll:${PASSWORD}`).toString('base64')] },
    { name: 'bearer', auth: { type: 'bearer', token: TOKEN }, secrets: forbidden(TOKEN) },
    { name: 'apiKey', auth: { type: 'apiKey', header: 'X-API-Key', value: API_KEY }, secrets: forbidden(API_KEY) },
  ];
  for (const { name, auth, secrets } of cases) {
    it(`${name}: the outcome's error and detail, and the answer's body and headers, carry [redacted] instead`, async () => {
      const server = await fixtures.server();
      server.respond((request) => echoEverything(request, request.path.endsWith('/down') ? 503 : 422));
      const client = fixtures.client({ baseUrl: server.url, auth });
      const permanent = await deliverOnce(client);
      assert.equal(permanent.kind, 'permanent');
      assertClean(permanent.kind === 'permanent' ? permanent.error : '', secrets, 'the error');
      assertClean(permanent.kind === 'permanent' ? permanent.detail : '', secrets, 'the detail');
      const transient = (await deliver(client, { method: 'GET', path: '/down' }, { policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } })).outcome;
      assert.equal(transient.kind, 'transient');
      assertClean(transient.kind === 'transient' ? transient.detail : '', secrets, 'the transient detail');

      const response = await client.request({ method: 'GET', path: '/echo' });
      assertClean(response.body, secrets, 'the body');
      assertClean(String(response.headers['x-echo-authorization'] || response.headers['x-echo-key']), secrets, 'the echoed header');
      // The secret did go out: redaction is about what comes back, not about what is sent.
      const sent = server.requests[0].headers;
      assert.ok(String(sent.authorization ?? sent['x-api-key']).length > 0);
    });
  }

  it('OAuth2: a token endpoint echoing the client credentials, and an API echoing the access token', async () => {
    const server = await fixtures.server();
    let tokenAnswer: 'refuse' | 'issue' = 'refuse';
    server.route('POST /oauth/token', (request) => (tokenAnswer === 'refuse' ? echoEverything(request, 401) : { status: 200, body: { access_token: ACCESS_TOKEN, expires_in: 3600 } }));
    server.route('POST /employees/7', (request) => echoEverything(request, 400));
    const auth: EndpointAuth = { type: 'oauth2', tokenUrl: `${server.url}/oauth/token`, clientId: 'payroll-sync', clientSecret: CLIENT_SECRET };
    const client = fixtures.client({ baseUrl: server.url, auth });
    const credential = Buffer.from(`payroll-sync:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
    const clientSecrets = [...forbidden(CLIENT_SECRET), credential];

    const refused = await deliverOnce(client);
    assert.equal(refused.kind, 'permanent');
    assert.match(refused.kind === 'permanent' ? refused.error : '', /token endpoint .* gave no token: HTTP 401/);
    assertClean(refused.kind === 'permanent' ? refused.error : '', clientSecrets, 'the token error');
    assertClean(refused.kind === 'permanent' ? refused.detail : '', clientSecrets, 'the token error detail');
    await assert.rejects(client.request({ method: 'POST', path: '/employees/7' }), (error: Error & { detail?: string }) => {
      assertClean(error.message, clientSecrets, 'the thrown message');
      assertClean(error.stack, clientSecrets, 'the stack');
      assertClean(error.detail, clientSecrets, 'the thrown detail');
      return true;
    });

    tokenAnswer = 'issue';
    const failed = await deliverOnce(client);
    assert.equal(failed.kind, 'permanent');
    assert.equal(failed.kind === 'permanent' ? failed.status : 0, 400);
    assertClean(failed.kind === 'permanent' ? failed.detail : '', [...forbidden(ACCESS_TOKEN), ...clientSecrets], 'the API error detail');
    assert.equal(server.requestsTo('POST /employees/7').at(-1)?.headers.authorization, `Bearer ${ACCESS_TOKEN}`);
  });

  it('leaves an answer without secrets exactly as it came', async () => {
    const server = await fixtures.server();
    const body = '{"status":"SUCCESS","note":"pa ss / w\u00f6rd"}';
    server.respond(() => ({ status: 200, headers: { 'content-type': 'application/json', location: '/employees/7' }, body }));
    const client = fixtures.client({ baseUrl: server.url, auth: { type: 'basic', username: 'u', password: PASSWORD } });
    const response = await client.request({ method: 'GET', path: '/' });
    assert.equal(response.body, body);
    assert.equal(response.headers.location, '/employees/7');
  });
});
