import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileRefusedError } from '../../../lib/errors';
import { duplicateLookupIn, FILE_GONE, hashBuffer, persistFile, registerBatchFolder, verifyFileReference, type FileReference, type PersistFolders } from '../../../lib/files';
import { registerBatch, type Store } from '../../../lib/store';
import { openTestStore } from '../../support/stores';

const CSV = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber\n1001,DE89370400440532013000,COBADEFFXXX,,0532013000\n';

function folders(): PersistFolders {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-persist-')));
  const result = { inbound: path.join(root, 'inbound'), processing: path.join(root, 'processing'), duplicates: path.join(root, 'duplicates') };
  fs.mkdirSync(result.inbound);
  return result;
}

function refused(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof FileRefusedError, `expected a FileRefusedError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

describe('persistFile', () => {
  let store: Store;
  before(async () => {
    store = await openTestStore('sqlite');
  });
  after(async () => {
    await store.close();
  });

  it('moves a file from inbound into processing and returns its reference', async () => {
    const where = folders();
    fs.writeFileSync(path.join(where.inbound, 'bank.csv'), CSV);
    const result = await persistFile({ path: 'bank.csv' }, { folders: where, groupType: 'hr', allowDuplicates: false, findDuplicate: duplicateLookupIn(store), now: () => 42 });
    assert.equal(result.kind, 'file');
    const { signature } = result as FileReference;
    assert.deepEqual(result, {
      kind: 'file',
      fileName: 'bank.csv',
      folder: where.processing,
      path: path.join(where.processing, 'bank.csv'),
      sha256: hashBuffer(Buffer.from(CSV)).sha256,
      size: Buffer.byteLength(CSV),
      receivedAt: 42,
      groupType: 'hr',
      allowDuplicates: false,
      duplicatesFolder: where.duplicates,
      signature,
    });
    // Signed by this process, so parking-lot can tell it from a reference a flow made up.
    const unregister = registerBatchFolder(where.processing);
    try {
      assert.doesNotThrow(() => verifyFileReference(result as FileReference));
      assert.throws(() => verifyFileReference({ ...(result as FileReference), size: 1 }), { code: 'UNTRUSTED_FILE_REFERENCE' });
    } finally {
      unregister();
    }
    assert.throws(() => verifyFileReference(result as FileReference), { code: 'UNTRUSTED_FILE_REFERENCE', message: /not a batch folder/ });
    assert.equal(fs.readFileSync(result.path, 'utf8'), CSV);
    assert.equal(fs.existsSync(path.join(where.inbound, 'bank.csv')), false);
  });

  it('refuses a zero-byte file and leaves it where it was', async () => {
    const where = folders();
    const file = path.join(where.inbound, 'empty.csv');
    fs.writeFileSync(file, '');
    await assert.rejects(persistFile({ path: file }, { folders: where, groupType: 'hr', allowDuplicates: true }), (error: unknown) => {
      refused('EMPTY_FILE')(error);
      assert.match((error as Error).message, /empty\.csv.*empty/);
      return true;
    });
    assert.equal(fs.existsSync(file), true);
    assert.equal(fs.existsSync(where.processing), false);
  });

  it('refuses an unreadable file with the reason from the OS and leaves it in place', async () => {
    const where = folders();
    const runningAsRoot = process.getuid?.() === 0;
    if (!runningAsRoot) {
      const locked = path.join(where.inbound, 'locked.csv');
      fs.writeFileSync(locked, CSV);
      fs.chmodSync(locked, 0o000);
      await assert.rejects(persistFile({ path: locked }, { folders: where, groupType: 'hr', allowDuplicates: true }), (error: unknown) => {
        refused('UNREADABLE_FILE')(error);
        assert.match((error as Error).message, /EACCES|permission denied/i);
        return true;
      });
      fs.chmodSync(locked, 0o600);
      assert.equal(fs.readFileSync(locked, 'utf8'), CSV);
    }
    // Root reads any file, so these stand in for it: a dangling symlink and a folder with a file's name.
    const dangling = path.join(where.inbound, 'dangling.csv');
    fs.symlinkSync(path.join(where.inbound, 'gone.csv'), dangling);
    await assert.rejects(persistFile({ path: 'dangling.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true }), (error: unknown) => {
      refused('UNREADABLE_FILE')(error);
      assert.match((error as Error).message, /ENOENT/);
      return true;
    });
    assert.equal(fs.lstatSync(dangling).isSymbolicLink(), true, 'the link is left in place');
    fs.mkdirSync(path.join(where.inbound, 'folder.csv'));
    await assert.rejects(persistFile({ path: 'folder.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true }), refused('UNREADABLE_FILE'));
    assert.equal(fs.statSync(path.join(where.inbound, 'folder.csv')).isDirectory(), true);
  });

  it('refuses a path outside the inbound folder without touching it', async () => {
    const where = folders();
    const outside = path.join(path.dirname(where.inbound), 'outside.csv');
    fs.writeFileSync(outside, CSV);
    await assert.rejects(persistFile({ path: '../outside.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true }), refused('PATH_OUTSIDE_INBOUND'));
    assert.equal(fs.readFileSync(outside, 'utf8'), CSV);
  });

  it('moves a file whose content is already parked in this group type to duplicates, and registers nothing', async () => {
    const where = folders();
    const { sha256 } = hashBuffer(Buffer.from(CSV + 'dup\n'));
    const parked = await registerBatch(store, { groupType: 'hr-dup', kind: 'file', fileName: 'first.csv', sha256, actor: 'test' });
    fs.writeFileSync(path.join(where.inbound, 'again.csv'), CSV + 'dup\n');
    const countBefore = (await store.knex(store.tables.batch).count({ n: '*' }))[0].n;
    const result = await persistFile({ path: 'again.csv' }, { folders: where, groupType: 'hr-dup', allowDuplicates: false, findDuplicate: duplicateLookupIn(store) });
    assert.equal(result.kind, 'duplicate');
    assert.equal(result.kind === 'duplicate' && result.duplicateOf, parked.id);
    assert.equal(result.path, path.join(where.duplicates, 'again.csv'));
    assert.equal(fs.readFileSync(result.path, 'utf8'), CSV + 'dup\n');
    assert.equal(fs.existsSync(path.join(where.processing, 'again.csv')), false);
    assert.equal((await store.knex(store.tables.batch).count({ n: '*' }))[0].n, countBefore, 'no batch was registered');

    fs.writeFileSync(path.join(where.inbound, 'again.csv'), CSV + 'dup\n');
    const otherGroup = await persistFile({ path: 'again.csv' }, { folders: where, groupType: 'another-group', allowDuplicates: false, findDuplicate: duplicateLookupIn(store) });
    assert.equal(otherGroup.kind, 'file', 'the same content in another group type is not a duplicate');
  });

  it('hands a duplicate on to processing when duplicates are allowed', async () => {
    const where = folders();
    const { sha256 } = hashBuffer(Buffer.from(CSV + 'allowed\n'));
    await registerBatch(store, { groupType: 'hr-allow', kind: 'file', fileName: 'first.csv', sha256, actor: 'test' });
    fs.writeFileSync(path.join(where.inbound, 'again.csv'), CSV + 'allowed\n');
    const result = await persistFile({ path: 'again.csv' }, { folders: where, groupType: 'hr-allow', allowDuplicates: true, findDuplicate: duplicateLookupIn(store) });
    assert.equal(result.kind, 'file');
    assert.equal(result.path, path.join(where.processing, 'again.csv'));
    assert.equal(result.kind === 'file' && result.allowDuplicates, true);
  });

  it('writes an upload straight into processing, and a duplicate upload into duplicates', async () => {
    const where = folders();
    const data = Buffer.from(CSV + 'upload\n');
    const first = await persistFile({ data, fileName: 'upload.csv' }, { folders: where, groupType: 'hr-up', allowDuplicates: false, findDuplicate: duplicateLookupIn(store) });
    assert.equal(first.kind, 'file');
    assert.equal(fs.readFileSync(path.join(where.processing, 'upload.csv'), 'utf8'), data.toString());
    await registerBatch(store, { groupType: 'hr-up', kind: 'file', fileName: first.fileName, sha256: first.sha256, actor: 'test' });
    const second = await persistFile({ data, fileName: 'upload.csv' }, { folders: where, groupType: 'hr-up', allowDuplicates: false, findDuplicate: duplicateLookupIn(store) });
    assert.equal(second.kind, 'duplicate');
    assert.equal(fs.readFileSync(path.join(where.duplicates, 'upload.csv'), 'utf8'), data.toString());
  });

  it('refuses an upload whose name is a path, and an empty upload', async () => {
    const where = folders();
    await assert.rejects(persistFile({ data: Buffer.from('x'), fileName: '../evil.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true }), refused('INVALID_FILE_NAME'));
    await assert.rejects(persistFile({ data: Buffer.alloc(0), fileName: 'empty.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true }), refused('EMPTY_FILE'));
    assert.equal(fs.existsSync(where.processing), false);
  });

  it('refuses an upload whose name has control characters, which would break a header or a log line', async () => {
    const where = folders();
    for (const fileName of ['bank.csv\r\nSet-Cookie: x=1', 'bank\n.csv', 'bank\t.csv', 'bank\u0085.csv', 'bank\u001b[31m.csv']) {
      await assert.rejects(persistFile({ data: Buffer.from(CSV), fileName }, { folders: where, groupType: 'hr', allowDuplicates: true }), (error: unknown) => {
        refused('INVALID_FILE_NAME')(error);
        assert.match((error as Error).message, /contains control characters/);
        return true;
      });
    }
    assert.equal(fs.existsSync(where.processing), false, 'nothing written');
    // Quotes, semicolons and non-ASCII letters are fine in a name: headers quote them (see content-disposition).
    const kept = await persistFile({ data: Buffer.from(CSV), fileName: 'Gehälter "März"; final.csv' }, { folders: where, groupType: 'hr', allowDuplicates: true });
    assert.equal(kept.fileName, 'Gehälter "März"; final.csv');
  });

  it('two file-persisters taking one inbound file at once: one parks it, the other is told it is gone, nothing is left behind', async () => {
    // Both hash the file, then both link it into processing (the second under a free name) before either removes
    // it from inbound: the one whose removal fails must take its link back, or the file would be parked twice.
    const where = folders();
    const files = 300;
    for (let i = 0; i < files; i += 1) {
      const name = `bank-${i}.csv`;
      fs.writeFileSync(path.join(where.inbound, name), `${CSV}${i}\n`);
      const taken = await Promise.allSettled([0, 1].map(() => persistFile({ path: name }, { folders: where, groupType: 'hr', allowDuplicates: true })));
      assert.equal(taken.filter((outcome) => outcome.status === 'fulfilled').length, 1, `${name}: parked once`);
      const [other] = taken.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      assert.ok(refused(FILE_GONE)(other.reason));
    }
    assert.equal(fs.readdirSync(where.processing).length, files, 'one file in processing per file handed in');
    assert.deepEqual(fs.readdirSync(where.inbound), []);
  });
});
