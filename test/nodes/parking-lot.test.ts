import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { issueFileReference, registerBatchFolder } from '../../lib/files';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import type { FileReference } from '../../lib/parking';
import type { BatchView } from '../../lib/messages';
import { getBatch, listBatches, listEvents, type BatchRow } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

type Message = NodeMessage & Record<string, unknown>;
interface TestNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Message) => void): void;
  status: { lastCall?: { args: unknown[] } };
}

/** A parking lot wired to an output helper, with a Catch node for its errors. */
async function deploy(config: Record<string, unknown> = {}): Promise<{ lot: TestNode; out: Message[]; caught: Message[]; store: BatchStoreNode }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-parking-'));
  await loadFlow(
    [batchStore, parkingLot],
    [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(dir, 'bsync.sqlite') },
      { id: 'lot', z: 'f1', x: 100, y: 100, type: 'parking-lot', name: 'lot', store: 's1', groupType: 'payroll', groupId: '', groupPattern: '', parkingMinutes: 0, priority: 0, wires: [['out']], ...config },
      { id: 'out', z: 'f1', x: 300, y: 100, type: 'helper' },
      { id: 'catcher', z: 'f1', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', x: 300, y: 200, type: 'helper' },
    ],
  );
  const out: Message[] = [];
  const caught: Message[] = [];
  (helper.getNode('out') as unknown as TestNode).on('input', (msg) => out.push(msg));
  (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));
  return { lot: helper.getNode('lot') as unknown as TestNode, out, caught, store: helper.getNode('s1') as unknown as BatchStoreNode };
}

/** As a file-persister of this process, whose processing folder is /data/processing, hands it on. */
function fileReference(fileName = 'employee-bank-connections_acme_20261122.csv'): FileReference {
  return issueFileReference({ kind: 'file', fileName, folder: '/data/processing', path: `/data/processing/${fileName}`, sha256: 'ab'.repeat(32), size: 321, receivedAt: Date.now() });
}

async function ask(lot: TestNode, out: Message[], msg: Record<string, unknown>): Promise<Message> {
  const seen = out.length;
  lot.receive(msg);
  return eventually(() => out[seen], `an output for ${JSON.stringify(msg.topic ?? 'park')}`);
}

describe('parking-lot node', () => {
  let unregisterFolder: () => void = () => {};
  beforeEach(() => {
    unregisterFolder = registerBatchFolder('/data/processing');
  });
  afterEach(async () => {
    unregisterFolder();
    await unloadFlow();
  });

  it('parks a file reference: the batch view (camelCase, ISO times) in msg.payload, and says so under the node', async () => {
    const { lot, out } = await deploy({ groupPattern: '^[a-z-]+_(?<groupId>\\w+)_\\d{8}\\.csv$', parkingMinutes: 5 });
    const before = Date.now();
    const msg = await ask(lot, out, { payload: fileReference() });
    const view = msg.payload as BatchView;
    assert.deepEqual(
      [view.id, view.status, view.groupType, view.groupId, view.kind, view.fileName],
      [1, 'NEW', 'payroll', 'acme', 'file', 'employee-bank-connections_acme_20261122.csv'],
    );
    assert.ok(Date.parse(view.parkedUntil ?? '') >= before + 5 * 60_000, 'parked for 5 minutes, as an ISO time');
    assert.deepEqual([view.sha256, view.size, view.folder], ['ab'.repeat(32), 321, '/data/processing']);
    assert.equal(msg.batch, undefined, 'no database row on the message');
    assert.equal(lastStatus(lot).text, 'parked batch 1 (payroll/acme)');
    assert.equal(lastStatus(lot).fill, 'green');
  });

  it('parks a single payload with msg overrides, recording msg.user as the actor', async () => {
    const { lot, out, store } = await deploy();
    const xml = '<employee><iban>DE89370400440532013000</iban></employee>';
    const msg = await ask(lot, out, { topic: 'park', payload: xml, groupType: 'single', groupId: 'hr', priority: 3, user: 'alice' });
    const batch = await store.use((db) => getBatch(db, (msg.payload as BatchView).id));
    assert.deepEqual([batch.kind, batch.payload, batch.content_type, batch.group_type, batch.group_id, batch.priority], ['payload', xml, 'application/xml', 'single', 'hr', 3]);
    const [registered] = await store.use((db) => listEvents(db, { entity: 'batch', entityId: batch.id }));
    assert.equal(registered.actor, 'alice');
    assert.equal(lastStatus(lot).text, `parked batch ${batch.id} (single/hr)`);
  });

  it('answers list, get, stats, cancel and retry; cancel and retry record who asked', async () => {
    const { lot, out, store } = await deploy();
    const first = ((await ask(lot, out, { payload: { employeeNumber: 'E1' } })).payload as BatchView).id;
    const second = ((await ask(lot, out, { payload: { employeeNumber: 'E2' } })).payload as BatchView).id;

    const list = (await ask(lot, out, { topic: 'list', payload: { status: 'NEW' } })).payload as { batches: BatchView[]; total: number };
    assert.deepEqual([list.total, list.batches.map((b) => b.id)], [2, [second, first]]);

    const cancelled = (await ask(lot, out, { topic: 'cancel', payload: first, user: { username: 'bob' } })).payload as BatchView;
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(lastStatus(lot).text, `cancelled batch ${first} (payroll)`);

    const retried = (await ask(lot, out, { topic: 'retry', payload: { id: first }, user: 'carol' })).payload as BatchView;
    assert.equal(retried.status, 'RETRY');

    const detail = (await ask(lot, out, { topic: 'get', payload: { id: first } })).payload as { batch: BatchView; events: { action: string; actor: string }[] };
    assert.equal(detail.batch.status, 'RETRY');
    assert.deepEqual(detail.events.map((e) => [e.action, e.actor]), [['registered', 'node:parking-lot:lot'], ['cancel', 'bob'], ['retry', 'carol']]);

    const stats = (await ask(lot, out, { topic: 'stats' })).payload as { byStatus: Record<string, number>; total: number };
    assert.deepEqual([stats.total, stats.byStatus], [2, { NEW: 1, RETRY: 1 }]);
    const events = await store.use((db) => listEvents(db, { batchId: first }));
    assert.equal(events.length, 3, 'reads wrote no events');
  });

  it('sends an unknown topic, a missing id and a forbidden retry to a Catch node with a clear message', async () => {
    const { lot, out, caught } = await deploy();
    const parked = ((await ask(lot, out, { payload: 'x' })).payload as BatchView).id;

    lot.receive({ topic: 'delete', payload: 1 });
    const unknown = await eventually(() => caught[0], 'the unknown topic to be caught');
    assert.match((unknown.error as { message: string }).message, /unknown action "delete": msg\.topic must be empty or park .*list, get, retry, cancel, stats/);

    lot.receive({ topic: 'get', payload: {} });
    const missing = await eventually(() => caught[1], 'the missing id to be caught');
    assert.match((missing.error as { message: string }).message, /get needs a batch id: put it in msg\.payload\.id or send msg\.payload as the number/);

    lot.receive({ topic: 'retry', payload: parked });
    const forbidden = await eventually(() => caught[2], 'the forbidden retry to be caught');
    assert.match((forbidden.error as { message: string }).message, new RegExp(`batch ${parked} is NEW: only FAILED, PROCESSED or CANCELLED batches can be retried`));
    assert.equal(lastStatus(lot).fill, 'red');
    assert.equal(out.length, 1, 'nothing was sent on for the refused requests');
  });

  it('refuses every message while its group pattern is broken, naming the mistake', async () => {
    const { lot, caught } = await deploy({ groupPattern: '^([a-z]+)\\.csv$' });
    assert.match(lastStatus(lot).text ?? '', /has no named group/);
    lot.receive({ payload: fileReference() });
    const error = await eventually(() => caught[0], 'the configuration error to be caught');
    assert.match((error.error as { message: string }).message, /group pattern \^\(\[a-z\]\+\)\\\.csv\$ has no named group/);
  });

  it('refuses a file reference a flow made up (here to /etc/passwd-like data): Catch gets why, nothing parked or moved', async () => {
    const { lot, out, caught, store } = await deploy();
    const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-outside-')));
    const secret = path.join(outside, 'passwd');
    fs.writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
    lot.receive({ payload: { kind: 'file', fileName: 'passwd', folder: outside, path: secret, sha256: 'c'.repeat(64), size: 32 } });
    const forged = await eventually(() => caught[0], 'the forged reference to be caught');
    assert.match((forged.error as { message: string }).message, /file reference "passwd" .* is refused: it was not issued by a file-persister of this runtime.*nothing was read or moved/);
    // A real reference edited to point elsewhere loses its proof.
    lot.receive({ payload: { ...fileReference(), folder: outside, fileName: 'passwd', path: secret } });
    const edited = await eventually(() => caught[1], 'the edited reference to be caught');
    assert.match((edited.error as { message: string }).message, /it was changed after a file-persister of this runtime issued it/);
    assert.equal(out.length, 0, 'nothing sent on');
    assert.equal(lastStatus(lot).fill, 'red');
    const listed = await store.use((db) => listBatches(db));
    assert.equal(listed.total, 0, 'no batch parked');
    assert.equal(fs.readFileSync(secret, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\n');
    assert.deepEqual(fs.readdirSync(outside), ['passwd'], 'the file was not moved');
  });
});
