import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { getBatch, registerBatch } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import { eventually, helper, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig, postgresSkipReason } from '../support/stores';

describe('batch-store node on PostgreSQL', { skip: postgresSkipReason() }, () => {
  afterEach(unloadFlow);

  it('connects with the user and password from Node-RED credentials, migrates, and parks a batch', { timeout: 30_000 }, async () => {
    const config = await freshDatabaseConfig('postgres');
    if (config.client !== 'postgres') throw new Error('expected a PostgreSQL config');
    const flow = [{ id: 's1', type: 'batch-store', client: 'postgres', host: config.host, port: String(config.port), database: config.database, tablePrefix: 'bsync_' }];
    await loadFlow(batchStore, flow, { s1: { user: config.user, password: config.password ?? '' } });
    const node = helper.getNode('s1') as unknown as BatchStoreNode;
    assert.ok(!JSON.stringify(flow).includes(config.password ?? '\u0000'), 'the password is not in the flow');
    assert.deepEqual(
      { client: node.connection.config.client, target: node.connection.target },
      { client: 'postgres', target: `PostgreSQL ${config.user}@${config.host}:${config.port}/${config.database}` },
    );
    await eventually(() => node.connection.state === 'ready', 'the PostgreSQL store to be ready', 20_000);
    const batch = await node.use((store) => registerBatch(store, { groupType: 'g', kind: 'payload', payload: 'p', actor: 't' }));
    const stored = await node.use((store) => getBatch(store, batch.id));
    assert.equal(stored.payload, 'p');
    assert.equal(typeof stored.created_at, 'number', 'BIGINT times come back as numbers');
  });

  it('takes port 5432 when none is given, and shows the refusal of a wrong password as the reason', { timeout: 30_000 }, async () => {
    const config = await freshDatabaseConfig('postgres');
    if (config.client !== 'postgres') throw new Error('expected a PostgreSQL config');
    await loadFlow(batchStore, [{ id: 'default-port', type: 'batch-store', client: 'postgres', host: config.host, port: '', database: config.database }], {
      'default-port': { user: config.user, password: 'x' },
    });
    const defaulted = (helper.getNode('default-port') as unknown as BatchStoreNode).connection.config;
    assert.equal(defaulted.client === 'postgres' ? defaulted.port : undefined, 5432);
    await unloadFlow();

    await loadFlow(batchStore, [{ id: 's1', type: 'batch-store', client: 'postgres', host: config.host, port: String(config.port), database: config.database }], {
      s1: { user: config.user, password: 'not-the-password' },
    });
    const node = helper.getNode('s1') as unknown as BatchStoreNode;
    await eventually(() => node.connection.state === 'unavailable', 'unavailable: the server refuses the password', 20_000);
    assert.match(node.connection.reason, /password authentication failed/);
    assert.ok(!node.connection.reason.includes('not-the-password'), 'the reason does not repeat the password');
  });
});
