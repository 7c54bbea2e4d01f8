// The row-processor node with group columns: its JSONata mapping gets each group's list, one call per group,
// the failed-items expression splits named items off, and settings that cannot work are refused at deploy.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { getBatch, openStore, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { TestHttpServer, type RecordedRequest } from '../support/http-server';
import { helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string; error?: { message: string } };

const HEADER = 'contactId,accountId,name';

function contacts(runs: Array<[string, number]>): string[] {
  const lines: string[] = [];
  for (const [account, count] of runs) for (let i = 0; i < count; i += 1) lines.push(`c${lines.length + 1},${account},Contact ${lines.length + 1}`);
  return lines;
}

describe('row-processor node with group columns', () => {
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
    server = await TestHttpServer.start();
    folders = makeFolders();
    await loadFlow(
      [batchStore, apiEndpoint, rowProcessor, require('@node-red/nodes/core/common/25-catch.js')],
      [
        { id: 'tab', type: 'tab' },
        { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.client === 'sqlite' ? config.filename : '' },
        { id: 'api', type: 'api-endpoint', baseUrl: server.url, authType: 'none' },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 100, y: 100, store: 'store', endpoint: 'api', method: 'POST',
          pathTemplate: '/accounts/{accountId}/contacts', concurrency: '1', maxAttempts: '1',
          mapping: '[$.{"id": contactId, "name": name}]', groupColumns: 'accountId', groupMaxRows: '100',
          itemResults: 'results[ok = false].{"index": index, "error": error}',
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

  function collect(id: string): Msg[] {
    const seen: Msg[] = [];
    helper.getNode(id).on('input', (msg: unknown) => seen.push(msg as Msg));
    return seen;
  }

  const items = (request: RecordedRequest) => JSON.parse(request.body) as Array<{ id: string; name: string }>;

  it('sends one call per group with the mapped list, and the items the answer names fail on their own', async () => {
    await load();
    // The API answers each item; it refuses contacts c252 and c253 of account A-2.
    server.respond((request) => ({
      status: 200,
      body: { results: items(request).map((item, index) => (item.id === 'c252' || item.id === 'c253' ? { index, ok: false, error: `${item.id}: email taken` } : { index, ok: true })) },
    }));
    writeCsv(folders, 'contacts.csv', [HEADER, ...contacts([['A-1', 250], ['A-2', 3]])]);
    const batch = await parkAndClaim(store, folders, 'contacts.csv', 'runtime-node');
    const failed = collect('failed');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    const summary = (await complete).payload;

    assert.deepEqual(
      server.requests.map((request) => [request.path, request.headers['idempotency-key'], items(request).length]),
      [
        ['/accounts/A-1/contacts', `bsync-${batch.id}-1`, 100],
        ['/accounts/A-1/contacts', `bsync-${batch.id}-101`, 100],
        ['/accounts/A-1/contacts', `bsync-${batch.id}-201`, 50],
        ['/accounts/A-2/contacts', `bsync-${batch.id}-251`, 3],
      ],
    );
    assert.deepEqual(items(server.requests[3])[0], { id: 'c251', name: 'Contact 251' }, 'the JSONata mapping got the list');
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 251, 2]);
    assert.deepEqual(
      failed.map((msg) => [msg.payload.rowNumber, msg.payload.rowCount, msg.payload.idempotencyKey, msg.payload.error, msg.payload.payload]),
      [
        [252, 1, `bsync-${batch.id}-252`, 'c252: email taken', { id: 'c252', name: 'Contact 252' }],
        [253, 1, `bsync-${batch.id}-253`, 'c253: email taken', { id: 'c253', name: 'Contact 253' }],
      ],
    );
    assert.equal((await getBatch(store, batch.id)).failed_rows, 2);
  });

  it('a call the API refuses is one failed-row message for the group, with its row count', async () => {
    await load({ itemResults: '' });
    server.respond(() => ({ status: 422, body: { message: 'account locked' } }));
    writeCsv(folders, 'locked.csv', [HEADER, ...contacts([['L-1', 7]])]);
    const batch = await parkAndClaim(store, folders, 'locked.csv', 'runtime-node');
    const failed = collect('failed');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    const summary = (await complete).payload;
    assert.deepEqual([summary.status, summary.failedRows], ['FAILED', 7]);
    assert.deepEqual(
      failed.map((msg) => [msg.payload.rowNumber, msg.payload.rowCount, msg.payload.idempotencyKey, (msg.payload.payload as unknown[]).length]),
      [[1, 7, `bsync-${batch.id}-1`, 7]],
    );
  });

  for (const [settings, reason] of [
    [{ groupMaxRows: '0' }, /groupMaxRows must be a whole number from 1 to 100000, got "0"/],
    [{ groupColumns: 'accountId,' }, /group by "accountId,": column names separated by commas, none empty/],
    [{ groupColumns: '' }, /the failed-items expression names items of a group: set the group columns too/],
    [{ allOrNothing: true }, /group rows and all or nothing cannot be used together yet/],
  ] as const) {
    it(`refuses ${JSON.stringify(settings)} at deploy with the reason, and sends nothing`, async () => {
      await load(settings);
      assert.equal(lastStatus(helper.getNode('processor') as never).fill, 'red');
      writeCsv(folders, 'refused.csv', [HEADER, ...contacts([['A-1', 2]])]);
      const batch = await parkAndClaim(store, folders, 'refused.csv', 'runtime-node');
      const caught = next('caught');
      helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
      assert.match(String((await caught).error?.message), reason);
      assert.equal(server.requests.length, 0);
    });
  }

  it('without group columns sends each row on its own, as ever', async () => {
    await load({ groupColumns: '', itemResults: '', mapping: '' });
    server.respond(() => ({ status: 201, body: {} }));
    writeCsv(folders, 'single.csv', [HEADER, ...contacts([['A-1', 3]])]);
    const batch = await parkAndClaim(store, folders, 'single.csv', 'runtime-node');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    assert.equal((await complete).payload.status, 'PROCESSED');
    assert.deepEqual(
      server.requests.map((request) => JSON.parse(request.body).contactId),
      ['c1', 'c2', 'c3'],
    );
  });
});
