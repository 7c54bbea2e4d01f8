// The generators make what they say: each broken file read with the lib reader gives the expected outcome.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CsvFormatError, scanCsv } from '../../lib/csv';
import { COLUMNS, generators } from './generate';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bad-input-'));
after(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('bad-input generators, read by scanCsv', () => {
  for (const [name, generate] of Object.entries(generators)) {
    it(name, async () => {
      const file = await generate(folder);
      const started = Date.now();
      const outcome = await scanCsv(file.path, name === 'wrongHeader' ? { columns: COLUMNS } : {}).then(
        (scan) => ({ rows: scan.rows }),
        (error: unknown) => {
          assert.ok(error instanceof CsvFormatError, `${file.what}: ${String(error)}`);
          assert.ok(error.message.length < 600, `a short message: ${error.message.length} characters`);
          return { code: error.code };
        },
      );
      assert.deepEqual(outcome, file.expected, file.what);
      assert.ok(Date.now() - started < 10_000, `${file.what}: ${Date.now() - started} ms`);
      fs.rmSync(file.path);
    });
  }
});
