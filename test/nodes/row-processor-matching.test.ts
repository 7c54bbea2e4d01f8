// The row-processor node with key matching set in its config: real Node-RED JSONata for the target key,
// the skipped count on the status and in the completion summary, and the config refusals.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { changeBatchStatus, getBatch, openStore, takeKeyMapLock, type KeyMapRow, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';
import { CUSTOMER_MATCHING_CONFIG, CustomerRecordsApi } from '../support/customer-records-api';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string; error?: { message: string } };

const MATCHING = CUSTOMER_MATCHING_CONFIG;

describe('row-processor node: match records by key', () => {
  let config: StoreConfig;
  let store: Store;
  let api: CustomerRecordsApi | undefined;
  let folders: Folders;

  before(async () => {
    config = await freshDatabaseConfig('sqlite');
    store = await openStore(config);
  });
  after(() => store.close());
  afterEach(async () => {
    await unloadFlow();
    await api?.stop();
    api = undefined;
  });

  async function load(processor: Record<string, unknown>): Promise<void> {
    api = await CustomerRecordsApi.start();
    folders = makeFolders();
    await loadFlow(
      [batchStore, apiEndpoint, rowProcessor, require('@node-red/nodes/core/common/25-catch.js')],
      [
        { id: 'tab', type: 'tab' },
        { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.client === 'sqlite' ? config.filename : '' },
        { id: 'api', type: 'api-endpoint', baseUrl: api.url, authType: 'none' },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 100, y: 100, store: 'store', endpoint: 'api', concurrency: '2', maxAttempts: '2', baseDelayMs: '10',
          archiveFolder: folders.archive, failedFolder: folders.failed, wires: [['complete'], ['failed']], ...processor,
        },
        { id: 'complete', type: 'helper', z: 'tab', x: 300, y: 100 },
        { id: 'failed', type: 'helper', z: 'tab', x: 300, y: 150 },
        { id: 'catcher', type: 'catch', z: 'tab', x: 100, y: 300, scope: null, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 300 },
      ],
    );
  }

  function next(id: string): Promise<Msg> {
    return new Promise((resolve) => helper.getNode(id).once('input', (msg: unknown) => resolve(msg as Msg)));
  }

  async function process(fileName: string, lines: string[]): Promise<{ summary: Record<string, unknown>; batchId: number }> {
    writeCsv(folders, fileName, ['customerNo,name', ...lines]);
    const batch = await parkAndClaim(store, folders, fileName, 'runtime-node');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    return { summary: (await complete).payload, batchId: batch.id };
  }

  it('creates, then updates the changed and skips the unchanged; skipped on the status and in the summary', async () => {
    await load(MATCHING);
    const first = await process('customers-1.csv', ['N-001,Ada', 'N-002,Bob']);
    assert.deepEqual([first.summary.status, first.summary.succeededRows, first.summary.skippedRows], ['PROCESSED', 2, 0]);
    const mapped = (await store.knex(store.tables.keyMap).where('batch_id', first.batchId).orderBy('row_number')) as KeyMapRow[];
    assert.deepEqual(mapped.map((row) => row.target_key), [api!.idOf('customerNo', 'N-001'), api!.idOf('customerNo', 'N-002')], 'the JSONata expression read each id');

    const second = await process('customers-2.csv', ['N-001,Ada', 'N-002,Bob Smith', 'N-003,Cy']);
    assert.deepEqual([second.summary.status, second.summary.succeededRows, second.summary.failedRows, second.summary.skippedRows], ['PROCESSED', 2, 0, 1]);
    assert.equal((await getBatch(store, second.batchId)).skipped_rows, 1);
    assert.equal(api!.requests('POST').length, 3);
    assert.deepEqual(api!.requests('PUT').map((request) => request.path), [`/customers/${api!.idOf('customerNo', 'N-002')}`]);
    const status = lastStatus(helper.getNode('processor') as never);
    assert.match(String(status.text), new RegExp(`batch ${second.batchId} PROCESSED: 2 ok, 0 failed, 1 skipped \\(delivered before\\)`));
  });

  it('a batch of a group type whose key map another batch holds waits, says so on the status, then runs', async () => {
    await load(MATCHING);
    writeCsv(folders, 'holding.csv', ['customerNo,name', 'W-001,Ada']);
    const holding = await parkAndClaim(store, folders, 'holding.csv', 'runtime-other');
    const taken = await takeKeyMapLock(store, { groupType: holding.group_type, holder: { kind: 'batch', id: holding.id } });
    assert.equal(taken.taken, true);
    writeCsv(folders, 'waiting.csv', ['customerNo,name', 'W-001,Ada Lovelace']);
    const waiting = await parkAndClaim(store, folders, 'waiting.csv', 'runtime-node');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: waiting, lease: { owner: 'runtime-node', until: waiting.lease_until } } as never);
    const node = helper.getNode('processor') as never;
    await eventually(() => String(lastStatus(node).text).includes(`batch ${waiting.id} waits for batch ${holding.id}`), 'the waiting status');
    assert.equal(api!.server.requests.length, 0, 'nothing sent while it waits');
    await changeBatchStatus(store, { id: holding.id, to: 'FAILED', actor: 'test', action: 'failed', reason: 'the other runtime gave up' });
    const summary = (await complete).payload;
    assert.deepEqual([summary.status, summary.succeededRows], ['PROCESSED', 1]);
    assert.equal(api!.requests('POST').length, 1);
  });

  it('without key columns every row is sent with the request, as before, and nothing is skipped', async () => {
    await load({ ...MATCHING, keyColumns: '' });
    await process('plain-1.csv', ['M-001,Ada']);
    const again = await process('plain-2.csv', ['M-001,Ada']);
    assert.equal(again.summary.skippedRows, 0);
    assert.equal(api!.requests('POST').length, 2);
    assert.equal((await store.knex(store.tables.keyMap).where('batch_id', again.batchId)).length, 0);
  });

  for (const [field, value, reason] of [
    ['keyColumns', 'customerNo, region', /key column " region" has spaces around its name/],
    ['keyColumns', 'customerNo,,region', /a column name is missing between the commas/],
    ['updatePath', '/customers/{customerNo}', /update path "\/customers\/\{customerNo\}": a path starting with \/ that names \{targetKey\}/],
    ['targetKeyExpression', '', /the target key expression is required/],
    ['targetKeyExpression', 'id +', /not a valid JSONata expression/],
    ['groupColumns', 'region', /key matching and group rows cannot be used together yet/],
    ['allOrNothing', true, /key matching and all or nothing cannot be used together yet/],
  ] as const) {
    it(`deployed with ${field} "${value}", shows why on the status and sends nothing`, async () => {
      await load({ ...MATCHING, [field]: value });
      const status = lastStatus(helper.getNode('processor') as never);
      assert.equal(status.fill, 'red');
      writeCsv(folders, `refused-${field}.csv`, ['customerNo,name', 'Z-1,Zed']);
      const batch = await parkAndClaim(store, folders, `refused-${field}.csv`, 'runtime-node');
      const caught = next('caught');
      helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
      assert.match(String((await caught).error?.message), reason);
      assert.equal(api!.server.requests.length, 0);
    });
  }
});
