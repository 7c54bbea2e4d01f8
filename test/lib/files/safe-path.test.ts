import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileRefusedError } from '../../../lib/errors';
import { resolveInboundPath } from '../../../lib/files';

function tempFolder(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-safe-')));
}

function refusedOutside(fileName: string) {
  return (error: unknown) => {
    assert.ok(error instanceof FileRefusedError, `expected a FileRefusedError, got ${String(error)}`);
    assert.equal(error.code, 'PATH_OUTSIDE_INBOUND');
    assert.equal(error.fileName, fileName);
    assert.match(error.message, new RegExp(fileName.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    assert.match(error.message, /inbound folder/);
    return true;
  };
}

describe('resolveInboundPath', () => {
  it('resolves a relative name and an absolute path inside the inbound folder', async () => {
    const root = tempFolder();
    const inbound = path.join(root, 'inbound');
    fs.mkdirSync(path.join(inbound, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(inbound, 'sub', 'a.csv'), 'x');
    assert.equal(await resolveInboundPath(inbound, 'sub/a.csv'), path.join(inbound, 'sub', 'a.csv'));
    assert.equal(await resolveInboundPath(inbound, path.join(inbound, 'sub', 'a.csv')), path.join(inbound, 'sub', 'a.csv'));
  });

  it('refuses ../ traversal, even when it comes back through a sibling folder of a similar name', async () => {
    const root = tempFolder();
    const inbound = path.join(root, 'inbound');
    fs.mkdirSync(inbound);
    fs.mkdirSync(path.join(root, 'inbound-other'));
    fs.writeFileSync(path.join(root, 'x.csv'), 'secret');
    await assert.rejects(resolveInboundPath(inbound, '../x.csv'), refusedOutside('../x.csv'));
    await assert.rejects(resolveInboundPath(inbound, 'sub/../../x.csv'), refusedOutside('sub/../../x.csv'));
    await assert.rejects(resolveInboundPath(inbound, '../inbound-other/x.csv'), refusedOutside('../inbound-other/x.csv'));
  });

  it('refuses an absolute path elsewhere and the inbound folder itself', async () => {
    const inbound = tempFolder();
    await assert.rejects(resolveInboundPath(inbound, '/etc/passwd'), refusedOutside('/etc/passwd'));
    await assert.rejects(resolveInboundPath(inbound, inbound), refusedOutside(inbound));
    await assert.rejects(resolveInboundPath(inbound, '.'), refusedOutside('.'));
  });

  it('refuses a symlink inside the inbound folder that points outside it, and a symlinked folder leading out', async () => {
    const root = tempFolder();
    const inbound = path.join(root, 'inbound');
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(inbound);
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'secret.csv'), 'secret');
    fs.symlinkSync(path.join(elsewhere, 'secret.csv'), path.join(inbound, 'innocent.csv'));
    fs.symlinkSync(elsewhere, path.join(inbound, 'door'));
    await assert.rejects(resolveInboundPath(inbound, 'innocent.csv'), refusedOutside('innocent.csv'));
    await assert.rejects(resolveInboundPath(inbound, 'door/secret.csv'), refusedOutside('door/secret.csv'));
  });

  it('follows a symlink that stays inside, and accepts an inbound folder that is itself reached through a symlink', async () => {
    const root = tempFolder();
    const real = path.join(root, 'real-inbound');
    fs.mkdirSync(real);
    fs.writeFileSync(path.join(real, 'a.csv'), 'x');
    fs.symlinkSync(path.join(real, 'a.csv'), path.join(real, 'alias.csv'));
    fs.symlinkSync(real, path.join(root, 'inbound'));
    assert.equal(await resolveInboundPath(path.join(root, 'inbound'), 'alias.csv'), path.join(real, 'a.csv'));
  });

  it('refuses an empty name', async () => {
    const inbound = tempFolder();
    await assert.rejects(resolveInboundPath(inbound, ''), { code: 'INVALID_FILE_NAME' });
  });
});
