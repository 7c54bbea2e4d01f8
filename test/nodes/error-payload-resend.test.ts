// The error-payload node's resend action: msg.topic "resend" with { groupType, sourceKeys } parks the latest
// delivered versions of those keys as a replay batch in its processing folder, answers the batch and the
// refused keys, records msg.user; a bad request goes to the Catch node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, it, describe } from 'node:test';
import type { NodeMessage } from 'node-red';
import { ApiClient } from '../../lib/delivery';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { getBatch, listEvents } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import errorPayload from '../../nodes/error-payload/error-payload';
import { bodiesByKey, deliverFile, mapKey, processParked } from '../lib/resend/delivered-batch';
import { makeFolders, settingsFor, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

type Message = NodeMessage & Record<string, unknown>;
interface TestNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Message) => void): void;
  status: { lastCall?: { args: unknown[] } };
}
interface ResendAnswer {
  resent: { batch: { id: number; status: string; fileName: string }; parentBatchId: number; rows: number }[];
  refused: { sourceKey: unknown; reason: string }[];
}

describe('error-payload node: resend', () => {
  let folders: Folders;
  let server: TestHttpServer;
  let client: ApiClient;
  afterEach(async () => {
    await unloadFlow();
    await client.close();
    await server.stop();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('parks exactly the asked rows, sent again under their original keys, and refuses the unknown key', async () => {
    folders = makeFolders();
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    await loadFlow(
      [batchStore, errorPayload],
      [
        { id: 'f1', type: 'tab' },
        { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(folders.root, 'bsync.sqlite') },
        { id: 'ep', z: 'f1', type: 'error-payload', store: 's1', processingFolder: folders.processing, delimiter: ';', quote: '"', wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
        { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      ],
    );
    const out: Message[] = [];
    const caught: Message[] = [];
    (helper.getNode('out') as unknown as TestNode).on('input', (msg) => out.push(msg));
    (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));
    const node = helper.getNode('ep') as unknown as TestNode;
    const store = helper.getNode('s1') as unknown as BatchStoreNode;

    // A semicolon file, as the node's CSV settings say: the resend reads and writes it that way.
    const settings = settingsFor(folders, { csv: { delimiter: ';' }, request: { method: 'PUT', pathTemplate: '/customers/{customerNo}' } });
    const lines = ['customerNo;name;amount', 'C-1;Ada;1,50', 'C-2;"Bob; Jr.";2', 'C-3;Cy;=3', 'C-4;Di;4', 'C-5;Ed;5'];
    const delivered = await store.use(async (db) => {
      const batch = await deliverFile(db, client, folders, settings, 'customers', 'customers.csv', `${lines.join('\n')}\n`);
      for (let row = 1; row <= 5; row += 1) await mapKey(db, 'customers', { customerNo: `C-${row}` }, batch.id, row);
      return batch;
    });
    const firstRun = bodiesByKey(server);

    node.receive({ topic: 'resend', user: 'alice', payload: { groupType: 'customers', keyColumn: 'customerNo', sourceKeys: ['C-3', 'C-2', 'C-5', 'C-9'] } });
    const answer = (await eventually(() => out[0], 'the resend answer')).payload as ResendAnswer;
    assert.deepEqual([answer.resent.length, answer.resent[0].rows, answer.resent[0].parentBatchId, answer.resent[0].batch.status], [1, 3, delivered.id, 'RETRY']);
    assert.deepEqual(answer.refused.map((refusal) => refusal.sourceKey), [{ customerNo: 'C-9' }]);
    assert.equal(lastStatus(node).text, 'resent 3 rows as 1 batches, 1 keys refused');
    const replayFile = fs.readFileSync(path.join(folders.processing, answer.resent[0].batch.fileName), 'utf8').trim().split('\r\n');
    assert.equal(replayFile.length, 4, 'a header and the 3 rows');
    assert.match(replayFile[0], /^customerNo;name;amount;bsync_row_number;/);

    const [event] = await store.use((db) => listEvents(db, { entity: 'batch', entityId: delivered.id }).then((events) => events.filter((e) => e.action === 'resent-by-key')));
    assert.equal(event.actor, 'alice');

    const from = server.requests.length;
    await store.use(async (db) => processParked(db, client, settings, await getBatch(db, answer.resent[0].batch.id)));
    const resent = bodiesByKey(server, from);
    const keys = [2, 3, 5].map((row) => `bsync-${delivered.id}-${row}`);
    assert.deepEqual([...resent.keys()].sort(), keys);
    for (const key of keys) assert.equal(resent.get(key), firstRun.get(key));

    node.receive({ topic: 'resend', payload: { groupType: 'customers', sourceKeys: ['C-1'] } });
    const refusal = await eventually(() => caught[0], 'the bad resend at the Catch node');
    assert.match((refusal.error as { message: string }).message, /plain value "C-1": give it as an object of its key columns/);
    assert.equal(out.length, 1);
  });
});
