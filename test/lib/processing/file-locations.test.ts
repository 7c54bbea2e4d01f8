import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { registerBatchFolder } from '../../../lib/files';
import { batchFileRefusal, locateBatchFile, mayReadBatchFile } from '../../../lib/processing/file-locations';
import type { BatchRow } from '../../../lib/store';

function layout() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-locations-')));
  const folders = { processing: path.join(root, 'processing'), archive: path.join(root, 'archive'), failed: path.join(root, 'failed'), outside: path.join(root, 'outside') };
  for (const folder of Object.values(folders)) fs.mkdirSync(folder);
  return { root, ...folders };
}

function batchIn(folder: string, fileName: string): BatchRow {
  return { id: 7, kind: 'file', folder, file_name: fileName } as BatchRow;
}

describe('batch file locations', () => {
  it('reads a batch file only from a registered batch folder or the archive and failed folders, symlinks followed', () => {
    const where = layout();
    const unregister = registerBatchFolder(where.processing);
    try {
      const own = { archive: where.archive, failed: where.failed };
      fs.writeFileSync(path.join(where.processing, 'bank.csv'), 'a\n1\n');
      fs.writeFileSync(path.join(where.outside, 'passwd'), 'root:x:0:0\n');
      assert.equal(locateBatchFile(batchIn(where.processing, 'bank.csv'), own), path.join(where.processing, 'bank.csv'));
      assert.equal(locateBatchFile(batchIn(where.outside, 'passwd'), own), undefined, 'a file outside is as good as absent');
      assert.match(batchFileRefusal(batchIn(where.outside, 'passwd'), own) ?? '', /outside\/passwd is outside the batch folders of this runtime .*: it is not read/);
      assert.equal(batchFileRefusal(batchIn(where.processing, 'bank.csv'), own), undefined);

      // A link inside a batch folder that leads out of it is judged by where it leads.
      fs.symlinkSync(path.join(where.outside, 'passwd'), path.join(where.processing, 'link.csv'));
      assert.equal(mayReadBatchFile(path.join(where.processing, 'link.csv'), own), false);
      assert.equal(locateBatchFile(batchIn(where.processing, 'link.csv'), own), undefined);

      fs.writeFileSync(path.join(where.failed, 'moved.csv'), 'a\n1\n');
      assert.equal(locateBatchFile(batchIn(where.processing, 'moved.csv'), own), path.join(where.failed, 'moved.csv'), 'found where a runtime moved it');
    } finally {
      unregister();
    }
  });

  it('trusts the batch store in a runtime whose nodes registered no batch folder (dispatchers and processors only)', () => {
    const where = layout();
    fs.writeFileSync(path.join(where.outside, 'shared.csv'), 'a\n1\n');
    assert.equal(locateBatchFile(batchIn(where.outside, 'shared.csv'), { archive: where.archive, failed: where.failed }), path.join(where.outside, 'shared.csv'));
  });
});
