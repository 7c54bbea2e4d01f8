import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parentBatchIdFromFileName, replayFileName } from '../../../lib/lineage';
import { createErrorFileWriter, errorFileName, readCsvRows } from '../../../lib/csv';
import { FileRefusedError } from '../../../lib/errors';
import { fitName, freeNameCandidates, MAX_NAME_BYTES, moveFile, persistFile, tempNameFor, writeIntoFolder, type PersistFolders } from '../../../lib/files';

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-long-')));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let folders = 0;
function folder(): string {
  const dir = path.join(root, `f${(folders += 1)}`);
  fs.mkdirSync(dir);
  return dir;
}

const bytes = (name: string) => Buffer.byteLength(name);
/** A 250-character name, legal on every file system, and one of exactly 255 bytes. */
const LONG = `${'payroll-'.repeat(30)}abcdefghij.csv`.slice(-250);
const LONGEST = `${'x'.repeat(MAX_NAME_BYTES - 4)}.csv`;
const UNICODE = `${'Zürich-東京-'.repeat(30)}.csv`;

describe('fitName', () => {
  it('keeps a name that fits, and shortens one that does not, keeping its suffix and extension', () => {
    assert.equal(fitName('bank', '.errors', '.csv'), 'bank.errors.csv');
    const fitted = fitName('a'.repeat(300), '.replay-7', '.csv');
    assert.equal(bytes(fitted), MAX_NAME_BYTES);
    assert.match(fitted, /^a+~[0-9a-f]{8}\.replay-7\.csv$/);
  });

  it('keeps two long names that begin alike apart', () => {
    const prefix = 'p'.repeat(260);
    assert.notEqual(fitName(`${prefix}-january`, '', '.csv'), fitName(`${prefix}-february`, '', '.csv'));
  });

  it('never splits a multi-byte character', () => {
    const fitted = fitName(UNICODE.slice(0, -4), '.errors', '.csv', 100);
    assert.ok(bytes(fitted) <= 100);
    assert.ok(!fitted.includes('\ufffd'));
    assert.equal(Buffer.from(fitted, 'utf8').toString('utf8'), fitted);
    assert.ok(fitted.endsWith('.errors.csv'));
  });
});

describe('names derived from a long file name fit the file system', () => {
  it('error file: a 250-character batch file with a bad row gets an error file it can write', async () => {
    const dir = folder();
    const name = errorFileName(LONG);
    assert.ok(bytes(name) <= MAX_NAME_BYTES - 5, `${bytes(name)} bytes`);
    assert.ok(name.endsWith('.errors.csv'));
    assert.equal(errorFileName('bank.csv'), 'bank.errors.csv');
    const writer = createErrorFileWriter(path.join(dir, name), ['id']);
    await writer.write({ rowNumber: 1, record: { id: '=1' }, error: 'bad' });
    const { path: written } = await writer.close();
    assert.deepEqual(fs.readdirSync(dir), [name]);
    const rows = [];
    for await (const row of readCsvRows(written)) rows.push(row.record.id);
    assert.deepEqual(rows, ['=1']);
    // An error file of the longest name, and a free-name variant of it, fit too.
    assert.ok(bytes(errorFileName(LONGEST)) <= MAX_NAME_BYTES - 5);
    assert.ok(bytes(errorFileName(UNICODE)) <= MAX_NAME_BYTES - 5);
  });

  it('replay file: shortened, still naming the batch it replays', () => {
    const name = replayFileName(LONG, 12345);
    assert.ok(bytes(name) <= MAX_NAME_BYTES - 5);
    assert.equal(parentBatchIdFromFileName(name), 12345);
    assert.equal(parentBatchIdFromFileName(replayFileName(name, 67890)), 67890, 'a replay of a replay');
    const [, freeVariant] = [...freeNameCandidates(name)].slice(0, 2);
    assert.equal(parentBatchIdFromFileName(freeVariant), 12345, 'a free-name suffix keeps the batch id');
  });

  it('temp and free names of the longest legal name fit', () => {
    const temp = tempNameFor(LONGEST);
    assert.ok(bytes(temp) <= MAX_NAME_BYTES, `${bytes(temp)} bytes`);
    assert.ok(temp.startsWith('.') && temp.endsWith('.tmp'));
    const candidates = [...freeNameCandidates(LONGEST)];
    assert.equal(candidates[0], LONGEST);
    assert.ok(candidates.every((candidate) => bytes(candidate) <= MAX_NAME_BYTES && candidate.endsWith('.csv')));
    assert.equal(new Set(candidates).size, candidates.length, 'all different');
  });

  it('moves a 255-byte file into a folder that already has one of that name', async () => {
    const from = folder();
    const to = folder();
    fs.writeFileSync(path.join(from, LONGEST), 'a\n1\n');
    fs.writeFileSync(path.join(to, LONGEST), 'other\n');
    const moved = await moveFile(path.join(from, LONGEST), to);
    assert.notEqual(path.basename(moved), LONGEST);
    assert.ok(bytes(path.basename(moved)) <= MAX_NAME_BYTES);
    assert.equal(fs.readFileSync(moved, 'utf8'), 'a\n1\n');
    assert.equal(fs.readFileSync(path.join(to, LONGEST), 'utf8'), 'other\n');
  });

  it('takes uploads of legal 231-255-byte names, and refuses longer ones with the reason', async () => {
    const dir = folder();
    for (const name of [LONG, LONGEST, `${'é'.repeat(125)}.csv`]) {
      const written = await writeIntoFolder(Buffer.from('a\n1\n'), dir, name);
      assert.equal(path.basename(written), name);
    }
    const where: PersistFolders = { inbound: folder(), processing: folder(), duplicates: folder() };
    const tooLong = `${'é'.repeat(126)}.csv`;
    await assert.rejects(
      persistFile({ data: Buffer.from('a\n1\n'), fileName: tooLong }, { folders: where, groupType: 'hr', allowDuplicates: true }),
      (error: unknown) => error instanceof FileRefusedError && error.code === 'INVALID_FILE_NAME' && /is 256 bytes long \(UTF-8\), and a file name may have at most 255/.test(error.message),
    );
    const accepted = await persistFile({ data: Buffer.from('a\n1\n'), fileName: LONGEST }, { folders: where, groupType: 'hr', allowDuplicates: true });
    assert.equal(accepted.fileName, LONGEST);
  });
});
