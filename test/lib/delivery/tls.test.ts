import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { classifyError, ConnectionFailedError } from '../../../lib/delivery';
import { selfSignedCertificate, type SelfSignedCertificate } from '../../support/http-server';
import { useFixtures } from './fixtures';

describe('ApiClient over TLS', () => {
  const fixtures = useFixtures();
  let certificate: SelfSignedCertificate;
  before(() => {
    certificate = selfSignedCertificate();
  });
  after(() => fs.rmSync(certificate.dir, { recursive: true, force: true }));

  it('talks to a server whose self-signed certificate is trusted through `ca`', async () => {
    const server = await fixtures.server({ tls: certificate, respond: () => ({ status: 200, body: { status: 'SUCCESS' } }) });
    assert.match(server.url, /^https:/);
    const client = fixtures.client({ baseUrl: server.url, tls: { ca: certificate.cert } });
    const response = await client.request({ method: 'GET', path: '/secure' });
    assert.equal(response.status, 200);
    assert.equal(server.requests.length, 1);
  });

  it('refuses a certificate it does not trust, as a transient connection failure', async () => {
    const server = await fixtures.server({ tls: certificate });
    const client = fixtures.client({ baseUrl: server.url });
    const error = await client.request({ method: 'GET', path: '/secure' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ConnectionFailedError, String(error));
    assert.match(error.causeCode, /SELF_SIGNED|UNABLE_TO_VERIFY/);
    assert.equal(classifyError(error).kind, 'transient');
    assert.equal(server.requests.length, 0);
  });
});
