import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileNameMatcher, hashBuffer, registeredBatchFolders, type FileReference } from '../../lib/files';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { listBatches, registerBatch } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import filePersister from '../../nodes/file-persister/file-persister';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import { readConfig } from '../../nodes/file-persister/config';
import { readFileRequest } from '../../nodes/file-persister/file-request';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

const CSV = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber\n1001,DE89370400440532013000,COBADEFFXXX,,0532013000\n';

interface Spied {
  status: { lastCall?: { args: unknown[] } };
  warn: { called: boolean; lastCall?: { args: unknown[] } };
  error: { called: boolean; lastCall?: { args: unknown[] } };
  receive(msg: Record<string, unknown>): void;
}

interface Received {
  payload: FileReference;
  filename: string;
  groupType: string;
  error?: { message: string };
}

function workspace() {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-fp-')));
  const folders = { inbound: path.join(root, 'inbound'), processing: path.join(root, 'processing'), duplicates: path.join(root, 'duplicates') };
  fs.mkdirSync(folders.inbound);
  return { root, ...folders, database: path.join(root, 'bsync.sqlite') };
}

/** A flow of: the store, the file-persister under test, a helper on its output, and a catch node feeding another helper. */
async function deploy(where: ReturnType<typeof workspace>, options: Record<string, unknown> = {}) {
  await loadFlow(
    [batchStore, filePersister],
    [
      { id: 'f1', type: 'tab', label: 'test' },
      { id: 's1', type: 'batch-store', client: 'sqlite', filename: where.database },
      {
        id: 'fp',
        z: 'f1',
        type: 'file-persister',
        store: 's1',
        inbound: where.inbound,
        processing: where.processing,
        duplicates: where.duplicates,
        pattern: '*.csv',
        pollInterval: 0,
        stableTime: 0.1,
        groupType: 'employee-bank-connections',
        allowDuplicates: false,
        wires: [['out']],
        ...options,
      },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
    ],
  );
  const received: Received[] = [];
  const caught: Received[] = [];
  helper.getNode('out').on('input', (msg: unknown) => received.push(msg as Received));
  helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg as Received));
  const store = helper.getNode('s1') as unknown as BatchStoreNode;
  // The store reports "ready" once its migrations ran; wait for it, so it does not repaint a status under test.
  await eventually(() => store.connection.state === 'ready', 'the batch store');
  return { node: helper.getNode('fp') as unknown as Spied, store, received, caught };
}

describe('file-persister node', () => {
  afterEach(unloadFlow);

  it('polls the inbound folder and hands on a dropped file once stable, now in the processing folder', async () => {
    const where = workspace();
    const { node, received } = await deploy(where, { pollInterval: 0.05, stableTime: 0.1 });
    await eventually(() => /watching/.test(lastStatus(node).text ?? ''), 'the watching status');
    fs.writeFileSync(path.join(where.inbound, 'bank.csv'), CSV);
    fs.writeFileSync(path.join(where.inbound, 'notes.txt'), 'not a batch');
    const [msg] = await eventually(() => received.length > 0 && received, 'a file reference');
    assert.equal(msg.payload.kind, 'file');
    assert.equal(msg.payload.path, path.join(where.processing, 'bank.csv'));
    assert.equal(msg.payload.sha256, hashBuffer(Buffer.from(CSV)).sha256);
    assert.equal(msg.payload.size, Buffer.byteLength(CSV));
    assert.equal(msg.filename, msg.payload.path);
    assert.equal(msg.groupType, 'employee-bank-connections');
    assert.equal(fs.readFileSync(msg.payload.path, 'utf8'), CSV);
    assert.equal(fs.existsSync(path.join(where.inbound, 'bank.csv')), false);
    assert.equal(fs.existsSync(path.join(where.inbound, 'notes.txt')), true, 'a name not matching the pattern stays');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received.length, 1, 'one message per file');
    assert.match(lastStatus(node).text ?? '', /handed on bank\.csv/);
  });

  it('takes a file dropped into its inbound folder at once, not at the next poll a minute later', async () => {
    const where = workspace();
    const { node, received } = await deploy(where, { pollInterval: 60, stableTime: 0.05 });
    await eventually(() => /watching/.test(lastStatus(node).text ?? ''), 'the watching status');
    // Past the first poll (of an empty folder): the next one is a minute away.
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Written under a temp name and renamed in, as an upload should be: the name appears whole.
    fs.writeFileSync(path.join(where.inbound, 'bank.csv.part'), CSV);
    fs.renameSync(path.join(where.inbound, 'bank.csv.part'), path.join(where.inbound, 'bank.csv'));
    const [msg] = await eventually(() => received.length > 0 && received, 'a file reference within 10 s');
    assert.equal(msg.payload.path, path.join(where.processing, 'bank.csv'));
  });

  it('hands on the file named by msg.filename, with msg.groupType overriding the configured one', async () => {
    const where = workspace();
    const { node, received } = await deploy(where);
    fs.writeFileSync(path.join(where.inbound, 'bank.csv'), CSV);
    node.receive({ filename: 'bank.csv', groupType: 'other-group', topic: 'upload', requestId: 'kept' });
    const [msg] = await eventually(() => received.length > 0 && received, 'a file reference');
    assert.equal(msg.payload.path, path.join(where.processing, 'bank.csv'));
    assert.equal(msg.payload.groupType, 'other-group');
    assert.equal(msg.groupType, 'other-group');
    assert.equal((msg as unknown as { requestId: string }).requestId, 'kept', 'the input message travels on');
    assert.equal((msg as unknown as { topic: string }).topic, 'file', 'with the topic of the protocol: a file reference');
    assert.equal(fs.existsSync(path.join(where.inbound, 'bank.csv')), false);
  });

  it('hands on references parking-lot parks; a reference made up in the flow is refused there, its file neither read nor moved', async () => {
    const where = workspace();
    await loadFlow(
      [batchStore, filePersister, parkingLot],
      [
        { id: 'f1', type: 'tab', label: 'test' },
        { id: 's1', type: 'batch-store', client: 'sqlite', filename: where.database },
        {
          id: 'fp', z: 'f1', type: 'file-persister', store: 's1', inbound: where.inbound, processing: where.processing, duplicates: where.duplicates,
          pattern: '*.csv', pollInterval: 0, stableTime: 0, groupType: 'employee-bank-connections', allowDuplicates: false, wires: [['lot']],
        },
        { id: 'lot', z: 'f1', type: 'parking-lot', store: 's1', groupType: '', groupId: '', groupPattern: '', parkingMinutes: 0, priority: 0, wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
        { id: 'c1', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      ],
    );
    const parked: Record<string, unknown>[] = [];
    const caught: Received[] = [];
    helper.getNode('out').on('input', (msg: unknown) => parked.push(msg as Record<string, unknown>));
    helper.getNode('caught').on('input', (msg: unknown) => caught.push(msg as Received));
    const store = helper.getNode('s1') as unknown as BatchStoreNode;
    await eventually(() => store.connection.state === 'ready', 'the batch store');
    assert.ok(registeredBatchFolders().includes(where.processing), 'the processing folder is a batch folder while the node runs');

    fs.writeFileSync(path.join(where.inbound, 'bank.csv'), CSV);
    (helper.getNode('fp') as unknown as Spied).receive({ filename: 'bank.csv' });
    const [first] = await eventually(() => parked.length > 0 && parked, 'the parked batch');
    assert.deepEqual([(first.payload as { kind: string }).kind, (first.payload as { fileName: string }).fileName], ['file', 'bank.csv']);

    // The same shape, aimed at a file in the inbound folder, straight from a flow.
    const planted = path.join(where.inbound, 'planted.csv');
    fs.writeFileSync(planted, CSV);
    (helper.getNode('lot') as unknown as Spied).receive({
      payload: { kind: 'file', fileName: 'planted.csv', folder: where.inbound, path: planted, sha256: hashBuffer(Buffer.from(CSV)).sha256, size: Buffer.byteLength(CSV) },
    });
    const [refusal] = await eventually(() => caught.length > 0 && caught, 'the refusal at the Catch node');
    assert.match(refusal.error?.message ?? '', /"planted\.csv" .* is refused: it was not issued by a file-persister of this runtime/);
    assert.equal(fs.readFileSync(planted, 'utf8'), CSV, 'the file stays where it was');
    assert.equal(fs.existsSync(path.join(where.processing, 'planted.csv')), false);
    const batches = await store.use((db) => listBatches(db));
    assert.deepEqual(batches.batches.map((batch) => batch.file_name), ['bank.csv'], 'only the handed-on file was parked');

    await unloadFlow();
    assert.equal(registeredBatchFolders().includes(where.processing), false, 'no longer a batch folder once the node stopped');
  });

  it('writes an uploaded Buffer into processing without overwriting a file of the same name', async () => {
    const where = workspace();
    fs.mkdirSync(where.processing);
    fs.writeFileSync(path.join(where.processing, 'upload.csv'), 'an earlier file');
    const { node, received } = await deploy(where);
    node.receive({ filename: 'upload.csv', payload: Buffer.from(CSV) });
    const [msg] = await eventually(() => received.length > 0 && received, 'a file reference');
    assert.equal(msg.payload.path, path.join(where.processing, 'upload-1.csv'));
    assert.equal(fs.readFileSync(msg.payload.path, 'utf8'), CSV);
    assert.equal(fs.readFileSync(path.join(where.processing, 'upload.csv'), 'utf8'), 'an earlier file');
  });

  it('refuses a path outside the inbound folder with done(err), seen by a Catch node, and a red status', async () => {
    const where = workspace();
    fs.writeFileSync(path.join(where.root, 'secret.csv'), CSV);
    const { node, received, caught } = await deploy(where);
    node.receive({ filename: '../secret.csv' });
    const [msg] = await eventually(() => caught.length > 0 && caught, 'the Catch node');
    assert.match(msg.error?.message ?? '', /secret\.csv.*outside the inbound folder/);
    assert.equal(lastStatus(node).fill, 'red');
    assert.equal(received.length, 0);
    assert.equal(fs.readFileSync(path.join(where.root, 'secret.csv'), 'utf8'), CSV, 'the file outside is untouched');
  });

  it('moves a duplicate to the duplicates folder, sends nothing, and tells the sender through a Catch node which batch it duplicates', async () => {
    const where = workspace();
    const { node, store, received, caught } = await deploy(where);
    const parked = await store.use((opened) =>
      registerBatch(opened, { groupType: 'employee-bank-connections', kind: 'file', fileName: 'bank.csv', sha256: hashBuffer(Buffer.from(CSV)).sha256, actor: 'test' }),
    );
    fs.writeFileSync(path.join(where.inbound, 'bank-again.csv'), CSV);
    node.receive({ filename: 'bank-again.csv' });
    await eventually(() => fs.existsSync(path.join(where.duplicates, 'bank-again.csv')), 'the file in duplicates');
    const [refusal] = await eventually(() => caught.length > 0 && caught, 'the Catch node');
    assert.match(refusal.error?.message ?? '', new RegExp(`same content as batch ${parked.id}.*not parked again`));
    assert.deepEqual(lastStatus(node), { fill: 'yellow', shape: 'ring', text: `duplicate of batch ${parked.id}: moved to duplicates` });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.length, 0);
    assert.equal(fs.existsSync(path.join(where.processing, 'bank-again.csv')), false);

    // msg.allowDuplicates lets the same content through on purpose.
    fs.writeFileSync(path.join(where.inbound, 'bank-again.csv'), CSV);
    node.receive({ filename: 'bank-again.csv', allowDuplicates: true });
    await eventually(() => received.length > 0, 'the allowed duplicate');
    assert.equal(received[0].payload.allowDuplicates, true);
  });

  it('shows a missing inbound folder in red while polling, and picks files up once it exists', async () => {
    const where = workspace();
    const inbound = path.join(where.root, 'not-yet');
    const { node, received } = await deploy(where, { inbound, pollInterval: 0.05, stableTime: 0 });
    await eventually(() => lastStatus(node).fill === 'red', 'the red status');
    assert.match(lastStatus(node).text ?? '', /^the inbound folder does not exist: \//);
    assert.equal(node.error.called, true);
    fs.mkdirSync(inbound);
    fs.writeFileSync(path.join(inbound, 'late.csv'), CSV);
    await eventually(() => received.length > 0, 'the file after the folder appeared');
  });

  it('reports an empty polled file once and leaves it in the inbound folder', async () => {
    const where = workspace();
    const { node, received, caught } = await deploy(where, { pollInterval: 0.05, stableTime: 0 });
    fs.writeFileSync(path.join(where.inbound, 'empty.csv'), '');
    await eventually(() => caught.length > 0, 'the error at the Catch node');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(caught.length, 1, 'reported once, not at every poll');
    assert.match(caught[0].error?.message ?? '', /empty\.csv.*empty/);
    assert.equal(lastStatus(node).fill, 'red');
    assert.equal(received.length, 0);
    assert.equal(fs.existsSync(path.join(where.inbound, 'empty.csv')), true);
  });

  it('two file-persisters polling one inbound folder (two runtimes): each file is handed on once, by one of them, without an error', async () => {
    const where = workspace();
    const persister = (id: string) => ({
      id, z: 'f1', type: 'file-persister', store: 's1', inbound: where.inbound, processing: where.processing, duplicates: where.duplicates,
      pattern: '*.csv', pollInterval: 0.02, stableTime: 0, groupType: 'employee-bank-connections', allowDuplicates: false, wires: [['out']],
    });
    await loadFlow(
      [batchStore, filePersister],
      [{ id: 'f1', type: 'tab', label: 'test' }, { id: 's1', type: 'batch-store', client: 'sqlite', filename: where.database }, persister('fp1'), persister('fp2'), { id: 'out', z: 'f1', type: 'helper' }],
    );
    const received: Received[] = [];
    helper.getNode('out').on('input', (msg: unknown) => received.push(msg as Received));
    const store = helper.getNode('s1') as unknown as BatchStoreNode;
    await eventually(() => store.connection.state === 'ready', 'the batch store');
    const files = 60;
    // All at once, so both pollers find them stable in the same poll and race for each.
    for (let i = 0; i < files; i += 1) fs.writeFileSync(path.join(where.inbound, `bank-${i}.csv`), `${CSV}${i}\n`);
    await eventually(() => fs.readdirSync(where.inbound).length === 0 && received.length >= files, `${files} files handed on`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received.length, files, 'one message per file');
    assert.equal(new Set(received.map((msg) => msg.payload.sha256)).size, files, 'each file once');
    assert.equal(fs.readdirSync(where.processing).length, files, 'no second copy in processing');
    for (const id of ['fp1', 'fp2']) {
      const node = helper.getNode(id) as unknown as Spied;
      assert.equal(node.error.called, false, `${id}: ${String(node.error.lastCall?.args[0])}`);
      assert.notEqual(lastStatus(node).fill, 'red', `${id}: ${lastStatus(node).text}`);
    }
  });
});

describe('file-persister configuration', () => {
  it('takes relative folders from the user directory, or from bsyncDataDir when set, with defaults for empty fields', () => {
    const fromUserDir = readConfig({ inbound: 'hr/in', processing: '', pollInterval: '', stableTime: '0.5', groupType: ' ' }, { userDir: '/srv/node-red' });
    assert.deepEqual(fromUserDir.folders, { inbound: '/srv/node-red/hr/in', processing: '/srv/node-red/processing', duplicates: '/srv/node-red/duplicates' });
    assert.equal(fromUserDir.pollIntervalMs, 5000);
    assert.equal(fromUserDir.stableMs, 500);
    assert.equal(fromUserDir.pattern, '*.csv,*.jsonl,*.ndjson');
    const takes = fileNameMatcher(fromUserDir.pattern);
    assert.deepEqual(['pay.csv', 'pay.JSONL', 'pay.ndjson', 'pay.json', 'pay.csv.part'].map(takes), [true, true, true, false, false]);
    assert.equal(fromUserDir.groupType, 'default');
    assert.equal(fromUserDir.allowDuplicates, false);
    const fromDataDir = readConfig({ inbound: 'in', duplicates: '/abs/dups', pollInterval: 0 }, { userDir: '/srv/node-red', bsyncDataDir: '/data/bsync' });
    assert.equal(fromDataDir.folders.inbound, '/data/bsync/in');
    assert.equal(fromDataDir.folders.duplicates, '/abs/dups');
    assert.equal(fromDataDir.pollIntervalMs, 0, '0 turns polling off');
  });
});

describe('file-persister input messages', () => {
  const config = readConfig({ groupType: 'hr' }, { userDir: '/srv/node-red' });

  it('reads msg.filename as a path, a Buffer or string payload as uploaded content, and the overrides', () => {
    assert.deepEqual(readFileRequest({ filename: 'a.csv', payload: 1700000000000 }, config), { source: { path: 'a.csv' }, groupType: 'hr', allowDuplicates: false });
    assert.deepEqual(readFileRequest({ filename: 'a.csv', payload: 'x,y\n' }, config).source, { data: Buffer.from('x,y\n'), fileName: 'a.csv' });
    assert.deepEqual(readFileRequest({ filename: 'a.csv', payload: Buffer.from('z') }, config).source, { data: Buffer.from('z'), fileName: 'a.csv' });
    // The core watch node sends the path in both properties: that is a path, not content.
    assert.deepEqual(readFileRequest({ filename: '/in/a.csv', payload: '/in/a.csv' }, config).source, { path: '/in/a.csv' });
    const overridden = readFileRequest({ filename: 'a.csv', groupType: 'payroll', allowDuplicates: true }, config);
    assert.equal(overridden.groupType, 'payroll');
    assert.equal(overridden.allowDuplicates, true);
  });

  it('refuses a message without msg.filename', () => {
    assert.throws(() => readFileRequest({ payload: Buffer.from('z') }, config), { code: 'INVALID_FILE_NAME', message: /msg\.filename is required/ });
  });
});
