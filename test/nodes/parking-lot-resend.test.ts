// The parking-lot node's resend action: msg.topic "resend" parks the latest delivered versions of the asked
// source keys of a JSON Lines batch as a replay batch, written into the processing folder of the data
// directory; a bad request goes to the Catch node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import { ApiClient } from '../../lib/delivery';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { getBatch } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import parkingLot from '../../nodes/parking-lot/parking-lot';
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

describe('parking-lot node: resend', () => {
  let folders: Folders;
  let server: TestHttpServer;
  let client: ApiClient;
  afterEach(async () => {
    await unloadFlow();
    helper.settings({});
    await client.close();
    await server.stop();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('parks a JSON Lines replay of the asked keys in the processing folder, with their original keys', async () => {
    folders = makeFolders();
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    // The data directory is the folders' root: its processing folder is the one the row-processor reads.
    helper.settings({ bsyncDataDir: folders.root } as Parameters<typeof helper.settings>[0]);
    await loadFlow(
      [batchStore, parkingLot],
      [
        { id: 'f1', type: 'tab' },
        { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(folders.root, 'bsync.sqlite') },
        { id: 'lot', z: 'f1', type: 'parking-lot', store: 's1', groupType: 'meters', groupId: '', groupPattern: '', parkingMinutes: 0, priority: 0, wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
        { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      ],
    );
    const out: Message[] = [];
    const caught: Message[] = [];
    (helper.getNode('out') as unknown as TestNode).on('input', (msg) => out.push(msg));
    (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));
    const lot = helper.getNode('lot') as unknown as TestNode;
    const store = helper.getNode('s1') as unknown as BatchStoreNode;

    const settings = settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/meters/{meterId}' } });
    const lines = [1, 2, 3, 4, 5].map((id) => JSON.stringify({ meterId: id, value: id / 10, site: { name: `site ${id}` } }));
    const delivered = await store.use(async (db) => {
      const batch = await deliverFile(db, client, folders, settings, 'meters', 'readings.jsonl', `${lines.join('\n')}\n`);
      for (let row = 1; row <= 5; row += 1) await mapKey(db, 'meters', { meterId: row }, batch.id, row);
      return batch;
    });
    const firstRun = bodiesByKey(server);

    lot.receive({ topic: 'resend', payload: { groupType: 'meters', sourceKeys: [{ meterId: 4 }, { meterId: 1 }, { meterId: 5 }] } });
    const answer = (await eventually(() => out[0], 'the resend answer')).payload as { resent: { batch: { id: number; fileName: string }; rows: number }[]; refused: unknown[] };
    assert.deepEqual([answer.resent.length, answer.resent[0].rows, answer.refused], [1, 3, []]);
    assert.equal(lastStatus(lot).text, 'resent 3 rows as 1 batches, 0 keys refused');
    const replay = await store.use((db) => getBatch(db, answer.resent[0].batch.id));
    assert.deepEqual([replay.folder, replay.format, replay.parent_batch_id], [folders.processing, 'jsonl', delivered.id]);

    const from = server.requests.length;
    await store.use((db) => processParked(db, client, settings, replay));
    const resent = bodiesByKey(server, from);
    const keys = [1, 4, 5].map((row) => `bsync-${delivered.id}-${row}`);
    assert.deepEqual([...resent.keys()].sort(), keys);
    for (const key of keys) assert.equal(resent.get(key), firstRun.get(key));

    lot.receive({ topic: 'resend', payload: { sourceKeys: [{ meterId: 1 }] } });
    const refusal = await eventually(() => caught[0], 'the bad resend at the Catch node');
    assert.match((refusal.error as { message: string }).message, /needs the group type/);
  });
});
