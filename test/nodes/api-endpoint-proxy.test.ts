import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { NodeAPI } from 'node-red';
import { proxySettings, type ApiEndpointNode } from '../../lib/node-red/api-endpoint-node';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import { TestHttpProxy } from '../support/http-proxy';
import { TestHttpServer } from '../support/http-server';
import { helper, loadFlow, unloadFlow } from '../support/node-red';

// Node-RED's own http proxy config node, as a user would pick it in the editor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpProxyConfig = require('@node-red/nodes/core/network/06-httpproxy.js');

describe('api-endpoint node with an http proxy', () => {
  let server: TestHttpServer | undefined;
  let proxy: TestHttpProxy | undefined;
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
    await proxy?.stop();
    server = proxy = undefined;
  });

  it("sends through the chosen http proxy node, with its credentials, and keeps the proxy password out of errors", async () => {
    server = await TestHttpServer.start({ respond: () => ({ status: 200, body: { status: 'SUCCESS' } }) });
    proxy = await TestHttpProxy.start({ username: 'sync', password: 'proxy-pw-9' });
    await loadFlow(
      [httpProxyConfig, apiEndpoint],
      [
        { id: 'p1', type: 'http proxy', name: 'corporate', url: proxy.url, noproxy: ['intranet.example'] },
        { id: 'e1', type: 'api-endpoint', baseUrl: `${server.url}/api`, authType: 'none', proxy: 'p1' },
      ],
      { p1: { username: 'sync', password: 'proxy-pw-9' } },
    );
    const endpoint = helper.getNode('e1') as unknown as ApiEndpointNode;
    assert.equal(endpoint.configError, undefined);
    assert.equal((await endpoint.client!.request({ method: 'GET', path: '/rows' })).status, 200);
    assert.deepEqual(proxy.seen.map((seen) => [seen.method, seen.target, seen.proxyAuthorization]), [
      ['GET', `${server.url}/api/rows`, `Basic ${Buffer.from('sync:proxy-pw-9').toString('base64')}`],
    ]);
  });

  it('says so when the chosen proxy node is missing or has no URL; without one the environment decides', () => {
    const RED = { nodes: { getNode: (id: string) => (id === 'empty' ? { id, name: 'empty one', url: ' ', credentials: {} } : null) } } as unknown as NodeAPI;
    assert.throws(() => proxySettings(RED, 'gone'), /the HTTP proxy configuration gone does not exist/);
    assert.throws(() => proxySettings(RED, 'empty'), /the HTTP proxy configuration empty one has no URL/);
    assert.deepEqual(proxySettings(RED, '', { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: '127.0.0.1' }), { httpUrl: undefined, httpsUrl: 'http://proxy:3128', noProxy: ['127.0.0.1'] });
    assert.equal(proxySettings(RED, undefined, {}), undefined);
  });
});
