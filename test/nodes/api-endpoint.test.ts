import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { RequestTimeoutError } from '../../lib/delivery';
import type { ApiEndpointNode } from '../../lib/node-red/api-endpoint-node';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import { selfSignedCertificate, TestHttpServer, type SelfSignedCertificate } from '../support/http-server';
import { helper, loadFlow, unloadFlow } from '../support/node-red';

// Node-RED's own tls-config node, as a user would pick it in the editor.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsConfig = require('@node-red/nodes/core/network/05-tls.js');

const SECRETS = { username: 'hr-sync', password: 'pw-1', token: 'tok-2', apiKey: 'key-3', clientSecret: 'cs-4' };

function endpointNode(id: string): ApiEndpointNode {
  return helper.getNode(id) as unknown as ApiEndpointNode;
}

describe('api-endpoint node', () => {
  let server: TestHttpServer | undefined;
  let certificate: SelfSignedCertificate;
  before(() => {
    certificate = selfSignedCertificate();
  });
  after(() => fs.rmSync(certificate.dir, { recursive: true, force: true }));
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
    server = undefined;
  });

  it('takes its secrets from credentials only and exposes a working client', async () => {
    server = await TestHttpServer.start({ respond: () => ({ status: 200, body: { status: 'SUCCESS' } }) });
    await loadFlow(
      apiEndpoint,
      [{ id: 'e1', type: 'api-endpoint', name: 'payroll', baseUrl: `${server.url}/api/v1`, authType: 'apiKey', apiKeyHeader: 'X-Payroll-Key', timeout: '5000', connections: '3', rateLimit: '0', headers: '{"X-Tenant":"acme"}' }],
      { e1: SECRETS },
    );
    const node = endpointNode('e1');
    assert.equal(node.configError, undefined);
    assert.ok(node.client, 'the node exposes a client');
    const response = await node.client.request({ method: 'POST', path: '/employees', body: '{}' });
    assert.equal(response.status, 200);
    const seen = server.requests[0];
    assert.equal(seen.url, '/api/v1/employees');
    assert.equal(seen.headers['x-payroll-key'], 'key-3');
    assert.equal(seen.headers['x-tenant'], 'acme');

    const definition = (helper as unknown as { _redNodes: { getCredentialDefinition(type: string): Record<string, { type: string }> } })._redNodes.getCredentialDefinition('api-endpoint');
    for (const secret of ['password', 'token', 'apiKey', 'clientSecret']) assert.equal(definition[secret]?.type, 'password', `${secret} is a password credential`);
    assert.equal(definition.username?.type, 'text');
    const ownValues = Object.entries(node).filter(([key]) => key !== 'credentials' && key !== 'client').map(([, value]) => value);
    for (const secret of Object.values(SECRETS)) assert.ok(!ownValues.includes(secret), `${secret} is not a node property`);
  });

  it('sends basic credentials and applies the timeout setting', { timeout: 10_000 }, async () => {
    server = await TestHttpServer.start({ respond: () => ({ hang: true }) });
    await loadFlow(apiEndpoint, [{ id: 'e1', type: 'api-endpoint', baseUrl: server.url, authType: 'basic', timeout: '150', connections: '1', rateLimit: '', headers: '' }], { e1: SECRETS });
    const client = endpointNode('e1').client;
    await assert.rejects(client!.request({ method: 'GET', path: '/slow' }), RequestTimeoutError);
    assert.equal(server.requests[0].headers.authorization, `Basic ${Buffer.from('hr-sync:pw-1').toString('base64')}`);
  });

  it('applies a tls-config node: trusts its CA', async () => {
    server = await TestHttpServer.start({ tls: certificate, respond: () => ({ status: 204 }) });
    await loadFlow(
      [tlsConfig, apiEndpoint],
      [
        { id: 't1', type: 'tls-config', cert: '', key: '', ca: certificate.certPath, verifyservercert: true },
        { id: 'e1', type: 'api-endpoint', baseUrl: server.url, authType: 'bearer', tls: 't1' },
        { id: 'e2', type: 'api-endpoint', baseUrl: server.url, authType: 'bearer' },
      ],
      { e1: SECRETS, e2: SECRETS },
    );
    const response = await endpointNode('e1').client!.request({ method: 'DELETE', path: '/rows/1' });
    assert.equal(response.status, 204);
    assert.equal(server.requests[0].headers.authorization, 'Bearer tok-2');
    await assert.rejects(endpointNode('e2').client!.request({ method: 'GET', path: '/' }), /SELF_SIGNED|UNABLE_TO_VERIFY/, 'without the tls-config the certificate is refused');
  });

  it('reports settings that cannot work instead of exposing a client', async () => {
    await loadFlow(apiEndpoint, [
      { id: 'e1', type: 'api-endpoint', baseUrl: 'ftp://files.example.com', authType: 'none' },
      { id: 'e2', type: 'api-endpoint', baseUrl: 'http://127.0.0.1:1', authType: 'none', headers: '{"X-Count": 3}' },
    ]);
    assert.equal(endpointNode('e1').client, undefined);
    assert.match(endpointNode('e1').configError ?? '', /http:\/\/ or https:\/\//);
    assert.match(endpointNode('e2').configError ?? '', /X-Count.*text value/);
  });

  it('closes its pool when the flow stops', async () => {
    server = await TestHttpServer.start();
    await loadFlow(apiEndpoint, [{ id: 'e1', type: 'api-endpoint', baseUrl: server.url, authType: 'none' }]);
    const client = endpointNode('e1').client!;
    assert.equal((await client.request({ method: 'GET', path: '/' })).status, 200);
    await unloadFlow();
    await assert.rejects(client.request({ method: 'GET', path: '/' }), /closed|destroyed/i);
  });
});
