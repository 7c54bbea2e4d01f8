import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { registerBatch, getBatch } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

describe('batch-store node', () => {
  afterEach(unloadFlow);

  it('opens the SQLite file, runs the migrations and closes the pool on redeploy', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-node-'));
    const filename = path.join(dir, 'nested', 'bsync.sqlite');
    await loadFlow(batchStore, [{ id: 's1', type: 'batch-store', client: 'sqlite', filename, tablePrefix: 'bsync_' }]);
    const node = helper.getNode('s1') as unknown as BatchStoreNode;
    const batch = await node.use((store) => registerBatch(store, { groupType: 'g', kind: 'payload', payload: 'p', actor: 't' }));
    assert.equal((await node.use((store) => getBatch(store, batch.id))).payload, 'p');
    assert.ok(fs.existsSync(filename), 'the database file was created on first use');
    await unloadFlow();
    assert.equal(node.connection.state, 'closed');
    await assert.rejects(node.use(async () => 1), /not available/);
  });

  it('keeps trying while the database is unreachable at deploy and recovers without a redeploy', { timeout: 30_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-node-'));
    const blocker = path.join(dir, 'db');
    fs.writeFileSync(blocker, 'a file where the folder should be');
    await loadFlow(batchStore, [{ id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(blocker, 'x.sqlite') }]);
    const node = helper.getNode('s1') as unknown as BatchStoreNode;
    const seen: string[] = [];
    node.watch((state, reason) => seen.push(`${state}${reason ? `: ${reason}` : ''}`));
    await eventually(() => node.connection.state === 'unavailable', 'unavailable state');
    assert.match(seen.join('\n'), /unavailable: .*(ENOTDIR|not a directory|EEXIST)/i);
    fs.rmSync(blocker);
    await eventually(() => node.connection.state === 'ready', 'the store to recover', 20_000);
    const batch = await node.use((store) => registerBatch(store, { groupType: 'g', kind: 'payload', payload: 'p', actor: 't' }));
    assert.ok(batch.id > 0);
  });

  it('keeps MySQL credentials out of the flow and in Node-RED credentials', async () => {
    await loadFlow(
      batchStore,
      [{ id: 's1', type: 'batch-store', client: 'mysql', host: '127.0.0.1', port: '1', database: 'x' }],
      { s1: { user: 'alice', password: 's3cret' } },
    );
    const node = helper.getNode('s1') as unknown as BatchStoreNode;
    const config = node.connection.config;
    assert.equal(config.client, 'mysql');
    if (config.client === 'mysql') {
      assert.equal(config.user, 'alice');
      assert.equal(config.password, 's3cret');
      assert.equal(config.port, 1);
    }
    await eventually(() => node.connection.state === 'unavailable', 'unavailable: nothing listens on port 1');
    assert.match(node.connection.reason, /ECONNREFUSED/);
  });

  it('turns the flow nodes using it red with the reason while the database is down, and back once it returns', { timeout: 30_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-node-'));
    const blocker = path.join(dir, 'db');
    fs.writeFileSync(blocker, 'a file where the folder should be');
    await loadFlow(
      [batchStore, parkingLot],
      [
        { id: 'tab', type: 'tab' },
        { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(blocker, 'x.sqlite') },
        { id: 'p1', type: 'parking-lot', z: 'tab', x: 100, y: 100, store: 's1', groupType: 'g', wires: [['out']] },
        { id: 'out', type: 'helper', z: 'tab', x: 300, y: 100 },
      ],
    );
    const parking = helper.getNode('p1') as never;
    const red = await eventually(() => {
      const status = lastStatus(parking);
      return status.fill === 'red' ? status : undefined;
    }, 'a red status on the parking-lot');
    assert.match(String(red.text), /database unavailable/);

    fs.rmSync(blocker);
    await eventually(() => lastStatus(parking).fill !== 'red', 'the parking-lot to recover without a redeploy', 20_000);
    const parked = new Promise<{ payload: { status: string } }>((resolve) => helper.getNode('out').once('input', resolve as never));
    helper.getNode('p1').receive({ payload: { employeeNumber: 1 } } as never);
    assert.equal((await parked).payload.status, 'NEW');
  });
});
