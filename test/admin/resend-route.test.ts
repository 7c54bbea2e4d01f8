// POST /bsync/stores/:store/resend: a change (bsync.write) that parks the latest delivered versions of the
// asked source keys as a replay batch, answers the parked batch and each refused key, and refuses bad
// input with 4xx {"error": …} without parking anything.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { STORE_ROUTES, runStoreRoute, type AdminContext, type AdminRequest, type StoreDirectory } from '../../lib/admin';
import { ApiClient } from '../../lib/delivery';
import { getBatch, listEvents, type BatchRow, type Store } from '../../lib/store';
import { makeFolders, settingsFor, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { describeEachDatabase, openTestStore } from '../support/stores';
import { bodiesByKey, deliverFile, mapKey, processParked } from '../lib/resend/delivered-batch';

const route = STORE_ROUTES.find((candidate) => candidate.method === 'post' && candidate.path === 'resend')!;

describeEachDatabase('the resend route', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  let stores: StoreDirectory;
  let delivered: BatchRow;

  const settings = () => settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/customers/{customerNo}' } });
  const call = (body: unknown) => runStoreRoute(route, 'store-1', { params: {}, query: {}, body, actor: 'alice' } satisfies AdminRequest, stores);
  const batchCount = async () => Number((await store.knex(store.tables.batch).count({ n: '*' }).first())?.n);

  before(async () => {
    store = await openTestStore(kind);
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
    const context: AdminContext = { store, storeId: 'store-1', dispatchers: undefined as never, processingFolder: folders.processing };
    stores = { list: () => [], use: (storeId, work) => (storeId === 'store-1' ? work(context) : undefined) };
    const lines = ['customerNo,name', ...[1, 2, 3, 4, 5].map((row) => `C-${row},name ${row}`)];
    delivered = await deliverFile(store, client, folders, settings(), 'customers', 'customers.csv', `${lines.join('\n')}\n`);
    for (const row of [1, 2, 3, 4, 5]) await mapKey(store, 'customers', { customerNo: `C-${row}` }, delivered.id, row);
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('is a change: it needs bsync.write', () => {
    assert.equal(route.permission, 'bsync.write');
  });

  it('parks the 3 asked keys as one replay batch and names the refused one', async () => {
    const answer = await call({ groupType: 'customers', sourceKeys: ['C-4', 'C-1', 'C-9', 'C-2'], keyColumn: 'customerNo', reason: 'CRM restore' });
    assert.equal(answer.status, 200);
    const body = answer.body as { resent: { batch: { id: number; status: string; parentBatchId: number }; parentBatchId: number; rows: number; sourceKeys: unknown[] }[]; refused: { sourceKey: unknown; reason: string }[] };
    assert.equal(body.resent.length, 1);
    assert.deepEqual([body.resent[0].batch.status, body.resent[0].parentBatchId, body.resent[0].rows], ['RETRY', delivered.id, 3]);
    assert.deepEqual(body.resent[0].sourceKeys, [{ customerNo: 'C-1' }, { customerNo: 'C-2' }, { customerNo: 'C-4' }]);
    assert.deepEqual(body.refused.map((refusal) => refusal.sourceKey), [{ customerNo: 'C-9' }]);
    const [event] = (await listEvents(store, { entity: 'batch', entityId: delivered.id })).filter((candidate) => candidate.action === 'resent-by-key');
    assert.deepEqual([event.actor, JSON.parse(event.detail!).replayBatchId], ['alice', body.resent[0].batch.id]);

    const from = server.requests.length;
    await processParked(store, client, settings(), await getBatch(store, body.resent[0].batch.id));
    assert.deepEqual([...bodiesByKey(server, from).keys()].sort(), [1, 2, 4].map((row) => `bsync-${delivered.id}-${row}`));
  });

  it('refuses bad input with 400 and {"error": …}, parking nothing', async () => {
    const before = await batchCount();
    for (const [body, pattern] of [
      [undefined, /takes a JSON object as its body/],
      [{ sourceKeys: [{ customerNo: 'C-1' }] }, /needs the group type/],
      [{ groupType: 'customers' }, /needs sourceKeys/],
      [{ groupType: 'customers', sourceKeys: ['C-1'] }, /plain value "C-1"/],
      [{ groupType: 'customers', sourceKeys: [{ customerNo: 'C-1' }], keys: [] }, /does not take "keys"/],
      [{ groupType: 'customers', sourceKeys: [{ customerNo: 'C-1' }], reason: 5 }, /reason must be text/],
    ] as const) {
      const answer = await call(body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match((answer.body as { error: string }).error, pattern);
    }
    assert.equal(await batchCount(), before);
  });
});
