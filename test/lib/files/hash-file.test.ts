import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hashBuffer, hashFile } from '../../../lib/files';

// sha256 of the three bytes "abc", from FIPS 180-2.
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('hashFile', () => {
  it('gives the sha256 and size of a known content', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-hash-')), 'abc.csv');
    fs.writeFileSync(file, 'abc');
    assert.deepEqual(await hashFile(file), { sha256: ABC, size: 3 });
    assert.deepEqual(hashBuffer(Buffer.from('abc')), { sha256: ABC, size: 3 });
  });

  it('streams a file larger than one read chunk', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-hash-')), 'big.csv');
    const content = Buffer.alloc(1024 * 1024 + 7, 'x');
    fs.writeFileSync(file, content);
    assert.deepEqual(await hashFile(file), hashBuffer(content));
    assert.equal((await hashFile(file)).size, content.length);
  });

  it('rejects for a missing file', async () => {
    await assert.rejects(hashFile(path.join(os.tmpdir(), 'bsync-no-such-file.csv')), { code: 'ENOENT' });
  });
});
