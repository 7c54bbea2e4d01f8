// Closing a flow node (a redeploy) while it works: the admin action under way finishes, and the store
// it uses closes only after its last user is done. The action is held mid-transaction by a row lock that
// another connection takes on the batch, so the close surely comes while the action waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { getBatch, listEvents, openStore, registerBatch, type ConnectionState, type StoreConfig } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import { helper, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig, mariaDbSkipReason } from '../support/stores';

describe('closing a node while an admin action runs (mariadb)', { skip: mariaDbSkipReason() }, () => {
  it('finishes the action, then closes the store after its last user', async () => {
    const config = (await freshDatabaseConfig('mariadb')) as Extract<StoreConfig, { client: 'mysql' }>;
    const outside = await openStore(config);
    const batch = await registerBatch(outside, { groupType: 'payroll', kind: 'payload', payload: '{}', actor: 'test' });
    await outside.knex(outside.tables.batch).where('id', batch.id).update({ status: 'FAILED' });

    await loadFlow(
      [batchStore, parkingLot],
      [
        { id: 'f1', type: 'tab' },
        { id: 's1', type: 'batch-store', client: 'mysql', host: config.host, port: String(config.port), database: config.database },
        { id: 'lot', z: 'f1', x: 100, y: 100, type: 'parking-lot', name: 'lot', store: 's1', groupType: 'payroll', groupId: '', groupPattern: '', parkingMinutes: 0, priority: 0, wires: [[]] },
      ],
      { s1: { user: config.user, password: config.password ?? '' } },
    );
    const store = helper.getNode('s1') as unknown as BatchStoreNode;
    await store.use(async () => undefined);
    const states: Array<[ConnectionState, number]> = [];
    store.connection.on('state', (state: ConnectionState) => states.push([state, Date.now()]));

    // Another connection holds the batch row: the retry waits inside its transaction.
    const locker = await mysql.createConnection({ host: config.host, port: config.port, user: config.user, password: config.password, database: config.database });
    await locker.query('START TRANSACTION');
    await locker.query(`SELECT id FROM ${outside.tables.batch} WHERE id = ? FOR UPDATE`, [batch.id]);
    let retried: unknown;
    const lot = helper.getNode('lot') as unknown as { receive(msg: object): void; on(event: string, listener: (...args: unknown[]) => void): void };
    lot.receive({ topic: 'retry', payload: batch.id, user: 'alice' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const unloading = unloadFlow().then(() => (retried = Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(retried, undefined, 'the close waits for the action under way');
    const releasedAt = Date.now();
    await locker.query('COMMIT');
    await locker.end();
    await unloading;

    const after = await getBatch(outside, batch.id);
    assert.equal(after.status, 'RETRY', 'the action finished: the batch was retried');
    const events = await listEvents(outside, { entity: 'batch', entityId: batch.id });
    assert.deepEqual(events.filter((event) => event.action === 'retry').map((event) => event.actor), ['alice']);
    const closed = states.find(([state]) => state === 'closed');
    assert.ok(closed, 'the store closed');
    assert.ok(closed[1] >= releasedAt, 'the store closed only after its user finished the action');
    await outside.close();
  });
});
