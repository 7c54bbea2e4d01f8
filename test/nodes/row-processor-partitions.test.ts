// The row-processor node with partitions: a large batch is split (status only, no summary), each partition's
// end shows on the status, and the partition that settles last sends the one completion summary of the whole
// batch on output 1; partitions with groups, all or nothing or key matching are refused at deploy.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { claimBatches, getBatch, openStore, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { employeeRow, HEADER, makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string; error?: { message: string } };

describe('row-processor node with partitions', () => {
  let config: StoreConfig;
  let store: Store;
  let server: TestHttpServer;
  let folders: Folders;

  before(async () => {
    config = await freshDatabaseConfig('sqlite');
    store = await openStore(config);
  });
  after(() => store.close());
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
  });

  async function load(processor: Record<string, unknown> = {}): Promise<void> {
    server = await TestHttpServer.start({ respond: () => ({ status: 201, body: {} }) });
    folders = makeFolders();
    await loadFlow(
      [batchStore, apiEndpoint, rowProcessor, require('@node-red/nodes/core/common/25-catch.js')],
      [
        { id: 'tab', type: 'tab' },
        { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.client === 'sqlite' ? config.filename : '' },
        { id: 'api', type: 'api-endpoint', baseUrl: server.url, authType: 'none' },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 100, y: 100, store: 'store', endpoint: 'api', method: 'POST',
          pathTemplate: '/employees/{employeeNumber}/bank-connections', concurrency: '2', maxAttempts: '1', partitionRows: '4',
          archiveFolder: folders.archive, failedFolder: folders.failed, wires: [['complete'], ['failed']], ...processor,
        },
        { id: 'complete', type: 'helper', z: 'tab', x: 300, y: 100 },
        { id: 'failed', type: 'helper', z: 'tab', x: 300, y: 150 },
        { id: 'catcher', type: 'catch', z: 'tab', x: 100, y: 300, scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 300 },
      ],
    );
  }

  const claimedMessage = (batch: { id: number; lease_until: number | null }, owner: string) => ({ topic: 'batch', payload: batch, lease: { owner, until: batch.lease_until } });

  it('splits a batch, shows each partition on the status, and sends one summary of the whole batch', async () => {
    await load();
    const completions: Msg[] = [];
    helper.getNode('complete').on('input', (msg: unknown) => completions.push(msg as Msg));
    writeCsv(folders, 'ten.csv', [HEADER, ...Array.from({ length: 10 }, (_, i) => employeeRow(i + 1))]);
    const batch = await parkAndClaim(store, folders, 'ten.csv', 'runtime-node');
    const processor = helper.getNode('processor') as never;

    helper.getNode('processor').receive(claimedMessage(batch, 'runtime-node') as never);
    await eventually(() => /^batch \d+: 10 rows split into 3 partitions$/.test(String(lastStatus(processor).text)), 'the split on the status');
    assert.equal(completions.length, 0, 'a split is no end of the batch');

    for (let partition = 1; partition <= 3; partition += 1) {
      const [claimed] = await claimBatches(store, { owner: 'runtime-node', leaseMs: 60_000, limit: 1, groupType: 'employee-bank-connections', groupId: 'ten.csv' });
      assert.equal(claimed.partition_of, batch.id);
      helper.getNode('processor').receive(claimedMessage(claimed, 'runtime-node') as never);
      if (partition < 3) {
        await eventually(() => new RegExp(`^batch ${claimed.id} \\(rows ${claimed.first_row}–${claimed.last_row} of batch ${batch.id}\\) PROCESSED: \\d+ ok, 0 failed$`).test(String(lastStatus(processor).text)), `partition ${partition} on the status`);
        assert.equal(completions.length, 0, "a partition's end is no end of the batch");
      }
    }
    await eventually(() => completions.length === 1, 'the summary of the whole batch');
    assert.deepEqual([completions[0].payload.batchId, completions[0].payload.status, completions[0].payload.totalRows, completions[0].payload.succeededRows], [batch.id, 'PROCESSED', 10, 10]);
    assert.equal(server.requests.length, 10);
    assert.equal((await getBatch(store, batch.id)).status, 'PROCESSED');
  });

  for (const [settings, reason] of [
    [{ groupColumns: 'employeeNumber' }, /partitions and group rows cannot be used together/],
    [{ allOrNothing: true }, /partitions and all or nothing cannot be used together/],
    [{ keyColumns: 'employeeNumber', updateMethod: 'PUT', updatePath: '/employees/{targetKey}', targetKeyExpression: 'id' }, /partitions and key matching cannot be used together yet/],
    [{ partitionRows: '-1' }, /partitionRows must be a whole number from 0 to 1000000000, got "-1"/],
  ] as const) {
    it(`refuses ${JSON.stringify(settings)} at deploy with the reason, and sends nothing`, async () => {
      await load(settings);
      assert.equal(lastStatus(helper.getNode('processor') as never).fill, 'red');
      writeCsv(folders, 'refused.csv', [HEADER, employeeRow(1)]);
      const batch = await parkAndClaim(store, folders, 'refused.csv', 'runtime-node');
      const caught = new Promise<Msg>((resolve) => helper.getNode('caught').once('input', (msg: unknown) => resolve(msg as Msg)));
      helper.getNode('processor').receive(claimedMessage(batch, 'runtime-node') as never);
      assert.match(String((await caught).error?.message), reason);
      assert.equal(server.requests.length, 0);
    });
  }
});
