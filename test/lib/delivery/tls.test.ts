import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { classifyError, ConnectionFailedError } from '../../../lib/delivery';
import { useFixtures } from './fixtures';

export interface SelfSignedCertificate {
  dir: string;
  keyPath: string;
  certPath: string;
  key: string;
  cert: string;
}

/** A throwaway certificate for 127.0.0.1, made with openssl at test time. */
export function selfSignedCertificate(): SelfSignedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-tls-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return { dir, keyPath, certPath, key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8') };
}

describe('ApiClient over TLS', () => {
  const fixtures = useFixtures();
  let certificate: SelfSignedCertificate;
  before(() => {
    certificate = selfSignedCertificate();
  });

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
