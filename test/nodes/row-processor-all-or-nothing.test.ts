// The row-processor's all-or-nothing settings as a flow deploys them: the undo request and where the
// target key is read, a refused row undoing the rows before it, a bad row sending nothing, a setting
// that cannot work refused at deploy. The processing itself is tested in test/lib/processing/all-or-nothing.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { getBatch, openStore, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';
import { ContactRecordsApi, type ContactRecordsApiOptions } from '../support/contact-records-api';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string; error?: { message: string } };

const OWNER = 'runtime-node';
const SCHEMA = JSON.stringify({ type: 'object', required: ['contactNo', 'email'], properties: { email: { type: 'string', pattern: '@' } } });

function contacts(count: number, badEmailAt?: number): string[] {
  return ['contactNo,email', ...Array.from({ length: count }, (_, i) => `K${i + 1},${i + 1 === badEmailAt ? 'none' : `c${i + 1}@example.com`}`)];
}

describe('row-processor node: all or nothing', () => {
  let config: StoreConfig;
  let store: Store;
  let api: ContactRecordsApi | undefined;
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

  async function load(processor: Record<string, unknown>, options: ContactRecordsApiOptions = {}): Promise<void> {
    api = await ContactRecordsApi.start(options);
    folders = makeFolders();
    await loadFlow(
      [batchStore, apiEndpoint, rowProcessor, require('@node-red/nodes/core/common/25-catch.js')],
      [
        { id: 'tab', type: 'tab' },
        { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.client === 'sqlite' ? config.filename : '' },
        { id: 'api', type: 'api-endpoint', baseUrl: api.url, authType: 'none' },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 100, y: 100, store: 'store', endpoint: 'api', method: 'POST',
          pathTemplate: '/contacts', schema: SCHEMA, concurrency: '1', maxAttempts: '2', baseDelayMs: '10',
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

  async function send(fileName: string, lines: string[]): Promise<{ batchId: number; complete: Msg }> {
    writeCsv(folders, fileName, lines);
    const batch = await parkAndClaim(store, folders, fileName, OWNER);
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: OWNER, until: batch.lease_until } } as never);
    return { batchId: batch.id, complete: await complete };
  }

  const undoByBodyId = { allOrNothing: true, compensationMethod: 'DELETE', compensationPath: '/contacts/{targetKey}', targetKeyFrom: 'body', targetKeyExpression: 'id' };

  it('undoes the rows applied before a refused one, the target key read by an expression over the answer', async () => {
    await load(undoByBodyId, { refuseCreate: (record) => (record.contactNo === 'K5' ? { status: 422, body: { message: 'duplicate email' } } : undefined) });
    const { batchId, complete } = await send('refused.csv', contacts(8));

    assert.equal(complete.payload.status, 'FAILED');
    assert.match(String(complete.payload.error), /^row 5: .*duplicate email; 4 applied rows compensated$/);
    assert.equal(api!.creates().length, 5);
    assert.deepEqual(api!.deletes().map((request) => request.path), ['/contacts/c4', '/contacts/c3', '/contacts/c2', '/contacts/c1']);
    assert.equal(api!.records.size, 0);
    assert.equal((await getBatch(store, batchId)).status, 'FAILED');
    assert.match(String(lastStatus(helper.getNode('processor') as never).text), new RegExp(`batch ${batchId} FAILED`));
  });

  it('sends nothing when a row is invalid, and puts the bad row on output 2', async () => {
    await load(undoByBodyId);
    const failed = next('failed');
    const { complete } = await send('invalid.csv', contacts(6, 3));
    assert.equal(complete.payload.status, 'FAILED');
    assert.match(String(complete.payload.error), /1 of 6 rows cannot be sent \(row 3\); nothing was sent/);
    assert.equal(api!.server.requests.length, 0);
    const row = (await failed).payload;
    assert.deepEqual([row.rowNumber, row.errorKind], [3, 'validation']);
  });

  it('left unticked, sends every row as before, even with an undo request filled in', async () => {
    await load({ ...undoByBodyId, allOrNothing: false }, { refuseCreate: (record) => (record.contactNo === 'K5' ? { status: 422, body: { message: 'no' } } : undefined) });
    const { complete } = await send('plain.csv', contacts(8, 2));
    assert.equal(complete.payload.status, 'FAILED');
    assert.deepEqual([complete.payload.succeededRows, complete.payload.failedRows], [6, 2]);
    assert.equal(api!.creates().length, 7);
    assert.equal(api!.deletes().length, 0);
  });

  for (const [settings, reason] of [
    [{ allOrNothing: true, compensationPath: '/contacts/{targetKey}' }, /the undo path names \{targetKey\}: say where the answer names it/],
    [{ allOrNothing: true, compensationPath: 'contacts/{targetKey}', targetKeyFrom: 'location' }, /the undo request's path must start with \//],
    [{ allOrNothing: true, compensationPath: '/contacts/{targetKey}', targetKeyFrom: 'body' }, /the target key expression is required when the target key is read from the answer's body/],
  ] as const) {
    it(`refuses at deploy: ${reason.source.slice(0, 40)}`, async () => {
      await load(settings);
      const status = lastStatus(helper.getNode('processor') as never);
      assert.equal(status.fill, 'red');
      const caught = next('caught');
      helper.getNode('processor').receive({ topic: 'batch', payload: { id: 1 }, lease: { owner: OWNER } } as never);
      assert.match(String((await caught).error?.message), reason);
      assert.equal(api!.server.requests.length, 0);
    });
  }
});
