import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { copyAcrossDevices, moveFile, writeIntoFolder } from '../../../lib/files';

function tempFolder(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-move-')));
}

function visibleFiles(folder: string): string[] {
  return fs.readdirSync(folder).sort();
}

describe('moveFile', () => {
  it('moves a file into a folder it creates, and the source is gone', async () => {
    const root = tempFolder();
    const source = path.join(root, 'bank.csv');
    fs.writeFileSync(source, 'a,b\n1,2\n');
    const target = path.join(root, 'processing', 'nested');
    const finalPath = await moveFile(source, target);
    assert.equal(finalPath, path.join(target, 'bank.csv'));
    assert.equal(fs.readFileSync(finalPath, 'utf8'), 'a,b\n1,2\n');
    assert.equal(fs.existsSync(source), false);
  });

  it('never overwrites a file of the same name: the newcomer becomes name-1.csv, then name-2.csv', async () => {
    const root = tempFolder();
    const target = path.join(root, 'processing');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'bank.csv'), 'first');
    for (const [index, content] of ['second', 'third'].entries()) {
      const source = path.join(root, 'bank.csv');
      fs.writeFileSync(source, content);
      const finalPath = await moveFile(source, target);
      assert.equal(finalPath, path.join(target, `bank-${index + 1}.csv`));
    }
    assert.equal(fs.readFileSync(path.join(target, 'bank.csv'), 'utf8'), 'first');
    assert.equal(fs.readFileSync(path.join(target, 'bank-1.csv'), 'utf8'), 'second');
    assert.equal(fs.readFileSync(path.join(target, 'bank-2.csv'), 'utf8'), 'third');
  });

  it('two moves of the same name at the same moment both land, under different names', async () => {
    const root = tempFolder();
    fs.mkdirSync(path.join(root, 'a'));
    fs.mkdirSync(path.join(root, 'b'));
    fs.writeFileSync(path.join(root, 'a', 'x.csv'), 'from a');
    fs.writeFileSync(path.join(root, 'b', 'x.csv'), 'from b');
    const target = path.join(root, 'processing');
    const paths = await Promise.all([moveFile(path.join(root, 'a', 'x.csv'), target), moveFile(path.join(root, 'b', 'x.csv'), target)]);
    assert.notEqual(paths[0], paths[1]);
    assert.deepEqual(visibleFiles(target), ['x-1.csv', 'x.csv']);
    assert.deepEqual(paths.map((file) => fs.readFileSync(file, 'utf8')).sort(), ['from a', 'from b']);
  });
});

describe('copyAcrossDevices (the EXDEV fallback of moveFile)', () => {
  it('copies through a temp name, never overwrites, removes the source and leaves no temp file behind', async () => {
    const root = tempFolder();
    const source = path.join(root, 'bank.csv');
    const content = 'employeeNumber,iban\n'.repeat(10_000);
    fs.writeFileSync(source, content);
    const target = path.join(root, 'other-disk');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'bank.csv'), 'already here');
    const finalPath = await copyAcrossDevices(source, target);
    assert.equal(finalPath, path.join(target, 'bank-1.csv'));
    assert.equal(fs.readFileSync(finalPath, 'utf8'), content);
    assert.equal(fs.readFileSync(path.join(target, 'bank.csv'), 'utf8'), 'already here');
    assert.equal(fs.existsSync(source), false);
    assert.deepEqual(visibleFiles(target), ['bank-1.csv', 'bank.csv'], 'no temp file is left');
  });

  it('keeps the source when the copy fails', async () => {
    const root = tempFolder();
    const source = path.join(root, 'bank.csv');
    fs.writeFileSync(source, 'data');
    const blocker = path.join(root, 'not-a-folder');
    fs.writeFileSync(blocker, 'a file where the folder should be');
    await assert.rejects(copyAcrossDevices(source, blocker));
    assert.equal(fs.readFileSync(source, 'utf8'), 'data');
  });

  const shm = '/dev/shm';
  const otherDevice = fs.existsSync(shm) && fs.statSync(shm).dev !== fs.statSync(os.tmpdir()).dev;
  it('moveFile really crosses file systems (/dev/shm to the temp folder)', { skip: otherDevice ? false : 'no second file system at /dev/shm' }, async () => {
    const sourceFolder = fs.mkdtempSync(path.join(shm, 'bsync-move-'));
    const source = path.join(sourceFolder, 'bank.csv');
    fs.writeFileSync(source, 'cross device');
    const target = tempFolder();
    const finalPath = await moveFile(source, target);
    assert.equal(fs.readFileSync(finalPath, 'utf8'), 'cross device');
    assert.equal(fs.existsSync(source), false);
    fs.rmSync(sourceFolder, { recursive: true });
  });
});

describe('writeIntoFolder', () => {
  it('writes an upload under its name, and a second upload of that name beside it', async () => {
    const target = path.join(tempFolder(), 'processing');
    const first = await writeIntoFolder(Buffer.from('one'), target, 'upload.csv');
    const second = await writeIntoFolder(Buffer.from('two'), target, 'upload.csv');
    assert.equal(first, path.join(target, 'upload.csv'));
    assert.equal(second, path.join(target, 'upload-1.csv'));
    assert.equal(fs.readFileSync(first, 'utf8'), 'one');
    assert.equal(fs.readFileSync(second, 'utf8'), 'two');
    assert.deepEqual(visibleFiles(target), ['upload-1.csv', 'upload.csv']);
  });
});
