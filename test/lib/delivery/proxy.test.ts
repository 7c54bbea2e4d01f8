import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { bypassesProxy, chooseProxy, proxyFromEnvironment, type EndpointAuth } from '../../../lib/delivery';
import { selfSignedCertificate } from '../../support/http-server';
import { TestHttpProxy } from '../../support/http-proxy';
import { useFixtures } from './fixtures';

describe('ApiClient through an HTTP proxy', () => {
  const fixtures = useFixtures();
  const proxies: TestHttpProxy[] = [];
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
  });
  async function startProxy(options?: { username?: string; password?: string }): Promise<TestHttpProxy> {
    const proxy = await TestHttpProxy.start(options);
    proxies.push(proxy);
    return proxy;
  }

  it('sends http:// requests as absolute-form requests through the proxy, with its credentials', async () => {
    const proxy = await startProxy({ username: 'sync', password: 'pr0xy pass' });
    const server = await fixtures.server({ respond: () => ({ status: 200, body: { status: 'SUCCESS' } }) });
    const client = fixtures.client({ baseUrl: `${server.url}/api`, proxy: { httpUrl: proxy.url, httpsUrl: proxy.url, username: 'sync', password: 'pr0xy pass' } });
    const response = await client.request({ method: 'POST', path: '/employees/7', body: '{}', headers: { 'Idempotency-Key': 'bsync-1-7' } });
    assert.equal(response.status, 200);
    assert.deepEqual(proxy.seen.map((seen) => [seen.method, seen.target]), [['POST', `${server.url}/api/employees/7`]]);
    assert.equal(proxy.seen[0].proxyAuthorization, `Basic ${Buffer.from('sync:pr0xy pass').toString('base64')}`);
    assert.equal(server.requests[0].headers['idempotency-key'], 'bsync-1-7');
    assert.equal(server.requests[0].headers['proxy-authorization'], undefined, 'the proxy credential stops at the proxy');
  });

  it('tunnels https:// requests with CONNECT, keeping the endpoint TLS settings inside the tunnel', async () => {
    const proxy = await startProxy();
    const certificate = selfSignedCertificate();
    const server = await fixtures.server({ tls: { key: certificate.key, cert: certificate.cert } });
    const client = fixtures.client({ baseUrl: server.url, tls: { ca: certificate.cert }, proxy: { httpsUrl: proxy.url } });
    assert.equal((await client.request({ method: 'GET', path: '/ping' })).status, 200);
    assert.deepEqual(proxy.seen.map((seen) => [seen.method, seen.target]), [['CONNECT', `127.0.0.1:${server.port}`]]);
    assert.equal(server.requests.length, 1);
  });

  it('fetches OAuth2 tokens through the proxy too, and keeps a refusing proxy\'s credentials out of the error', async () => {
    const proxy = await startProxy({ username: 'sync', password: 'right' });
    const server = await fixtures.server();
    server.route('POST /oauth/token', () => ({ status: 200, body: { access_token: 'tok-1', expires_in: 60 } }));
    const auth: EndpointAuth = { type: 'oauth2', tokenUrl: `${server.url}/oauth/token`, clientId: 'c', clientSecret: 's3cret' };
    const client = fixtures.client({ baseUrl: server.url, auth, proxy: { httpUrl: proxy.url, username: 'sync', password: 'right' } });
    assert.equal((await client.request({ method: 'GET', path: '/rows' })).status, 200);
    assert.deepEqual(proxy.seen.map((seen) => [seen.method, seen.target]), [['POST', `${server.url}/oauth/token`], ['GET', `${server.url}/rows`]]);

    const wrong = fixtures.client({ baseUrl: server.url, proxy: { httpUrl: proxy.url, username: 'sync', password: 'wr0ng-pass' } });
    const answer = await wrong.request({ method: 'GET', path: '/rows' }).then(
      (response) => `HTTP ${response.status} ${response.body}`,
      (error: Error) => error.message,
    );
    assert.match(answer, /407/);
    assert.doesNotMatch(answer, /wr0ng-pass/);
  });

  it('goes direct to hosts on the no-proxy list', async () => {
    const proxy = await startProxy();
    const server = await fixtures.server();
    const client = fixtures.client({ baseUrl: server.url, proxy: { httpUrl: proxy.url, noProxy: ['localhost', '127.0.0.1'] } });
    assert.equal((await client.request({ method: 'GET', path: '/ping' })).status, 200);
    assert.equal(proxy.seen.length, 0);
    assert.equal(server.requests.length, 1);
  });
});

describe('choosing a proxy', () => {
  it('reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY, lower-case names first', () => {
    assert.equal(proxyFromEnvironment({}), undefined);
    assert.deepEqual(proxyFromEnvironment({ HTTP_PROXY: 'http://p:3128', NO_PROXY: 'localhost, .corp.example' }), {
      httpUrl: 'http://p:3128',
      httpsUrl: 'http://p:3128',
      noProxy: ['localhost', '.corp.example'],
    });
    assert.equal(proxyFromEnvironment({ http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:1', HTTPS_PROXY: 'http://tls:1' })?.httpsUrl, 'http://tls:1');
  });

  it('matches no-proxy entries by host, domain suffix, wildcard and port', () => {
    const target = new URL('https://api.corp.example:8443/x');
    assert.equal(bypassesProxy(target, ['api.corp.example']), true);
    assert.equal(bypassesProxy(target, ['.corp.example']), true);
    assert.equal(bypassesProxy(target, ['*.corp.example']), true);
    assert.equal(bypassesProxy(target, ['corp.example']), false, 'a plain host matches only itself');
    assert.equal(bypassesProxy(target, ['api.corp.example:443']), false);
    assert.equal(bypassesProxy(target, ['api.corp.example:8443']), true);
    assert.equal(bypassesProxy(target, ['*']), true);
    assert.equal(bypassesProxy(target, ['example.org', '']), false);
  });

  it('takes credentials from the URL when the config has none, and never keeps them in the URI', () => {
    assert.deepEqual(chooseProxy('http://api/x', { httpUrl: 'http://u%40x:p%3Aw@proxy:3128' }), { uri: 'http://proxy:3128/', token: `Basic ${Buffer.from('u@x:p:w').toString('base64')}` });
    assert.equal(chooseProxy('https://api/x', { httpUrl: 'http://proxy:3128' }), undefined, 'no https proxy: direct');
    assert.throws(() => chooseProxy('http://api/x', { httpUrl: 'socks5://proxy:1080' }), /must start with http:\/\/ or https:\/\//);
  });
});
