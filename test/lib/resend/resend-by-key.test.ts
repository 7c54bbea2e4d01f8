// Resend at the remote system's request: the latest delivered version of each asked key, read back from its
// archived batch file (CSV and JSON Lines), parked as a replay batch of exactly those rows, sent again with
// the values as they were delivered and the Idempotency-Key of their origin row.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { resendByKey } from '../../../lib/resend';
import { listEvents, registerBatch, type BatchRow, type Store } from '../../../lib/store';
import { openStore } from '../../../lib/store';
import { makeFolders, settingsFor, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';
import { bodiesByKey, deliverFile, mapKey, processParked } from './delivered-batch';

// Values a careless copy would change: a formula-like cell, quotes and commas, leading spaces, a long number.
const CUSTOMERS = [
  'customerNo,name,amount',
  'C-001,Ada,10.50',
  'C-002,"Lovelace, Ada",=1+2',
  'C-003," spaced ","say ""hi"""',
  'C-004,Grace,00012345678901234567890',
  'C-005,Émile,-0.0',
  'C-006,Zed,7',
];
const READINGS = [
  '{"meterId":1,"value":1.5,"tags":["a"],"note":null}',
  '{"meterId":2,"value":"12345678901234567890","nested":{"x":[1,{"y":"z"}]}}',
  '{"meterId":3,"value":-0.0,"text":"line\\nbreak \\u00e9"}',
  '{"meterId":4,"value":0.1,"flag":true}',
  '{"meterId":5,"value":"5","empty":""}',
];

describeEachDatabase('resend by source key', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  const csvSettings = () => settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/customers/{customerNo}' } });
  const jsonlSettings = () => settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/meters/{meterId}' } });

  async function deliveredCustomers(groupType: string, fileName: string): Promise<{ batch: BatchRow; delivered: Map<string, string> }> {
    const from = server.requests.length;
    const batch = await deliverFile(store, client, folders, csvSettings(), groupType, fileName, `${CUSTOMERS.join('\n')}\n`);
    assert.equal(batch.folder, folders.archive, 'the delivered file is archived');
    for (let row = 1; row < CUSTOMERS.length; row += 1) await mapKey(store, groupType, { customerNo: `C-00${row}` }, batch.id, row);
    return { batch, delivered: bodiesByKey(server, from) };
  }

  it('parks a CSV replay of exactly the 3 asked rows, sent again byte for byte under their original keys; an unknown key is refused', async () => {
    const { batch, delivered } = await deliveredCustomers('customers', 'customers.csv');
    assert.equal(delivered.size, 6);

    const answer = await resendByKey(store, {
      groupType: 'customers',
      sourceKeys: [{ customerNo: 'C-005' }, { customerNo: 'C-002' }, { customerNo: 'C-404' }, { customerNo: 'C-003' }, { customerNo: 'C-002' }],
      processingFolder: folders.processing,
      actor: 'admin',
      reason: 'the CRM lost them',
    });
    assert.deepEqual(answer.refused.map((refusal) => refusal.sourceKey), [{ customerNo: 'C-404' }]);
    assert.match(answer.refused[0].reason, /not in the key map of group type "customers"/);
    assert.equal(answer.resent.length, 1);
    const [resent] = answer.resent;
    assert.deepEqual([resent.batch.status, resent.batch.parent_batch_id, resent.batch.format, resent.rows], ['RETRY', batch.id, 'csv', 3]);
    assert.equal(resent.batch.folder, folders.processing);
    assert.match(resent.batch.file_name ?? '', new RegExp(`^customers\\.replay-${batch.id}(-\\d+)?\\.csv$`));

    const from = server.requests.length;
    await processParked(store, client, csvSettings(), resent.batch);
    const resentBodies = bodiesByKey(server, from);
    const keys = [2, 3, 5].map((row) => `bsync-${batch.id}-${row}`);
    assert.deepEqual([...resentBodies.keys()].sort(), keys);
    for (const key of keys) assert.equal(resentBodies.get(key), delivered.get(key), `${key} is sent as it was delivered`);
    assert.equal(server.requests.length - from, 3, 'nothing else is sent');

    const events = (await listEvents(store, { entity: 'batch', entityId: batch.id })).filter((event) => event.action === 'resent-by-key');
    assert.equal(events.length, 1);
    assert.equal(events[0].actor, 'admin');
    const detail = JSON.parse(events[0].detail ?? '{}');
    assert.deepEqual([detail.replayBatchId, detail.rows, detail.reason], [resent.batch.id, [2, 3, 5], 'the CRM lost them']);
  });

  it('resends a latin1 batch\'s rows with their text as delivered (the replay file is UTF-8 and says so)', async () => {
    const latin1 = () => settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/customers/{customerNo}' }, csv: { encoding: 'latin1' } });
    const from = server.requests.length;
    const lines = ['customerNo,name', 'L-001,Zoë Müller', 'L-002,Ægir Øst'];
    const batch = await deliverFile(store, client, folders, latin1(), 'latin1-customers', 'latin1.csv', Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    const delivered = bodiesByKey(server, from);
    assert.equal(JSON.parse(delivered.get(`bsync-${batch.id}-1`)!).name, 'Zoë Müller');
    for (const row of [1, 2]) await mapKey(store, 'latin1-customers', { customerNo: `L-00${row}` }, batch.id, row);

    const answer = await resendByKey(store, {
      groupType: 'latin1-customers', sourceKeys: [{ customerNo: 'L-001' }, { customerNo: 'L-002' }], processingFolder: folders.processing, actor: 'admin', csv: { encoding: 'latin1' },
    });
    assert.deepEqual(answer.refused, []);
    const resentFrom = server.requests.length;
    await processParked(store, client, latin1(), answer.resent[0].batch);
    const resent = bodiesByKey(server, resentFrom);
    for (const row of [1, 2]) assert.equal(resent.get(`bsync-${batch.id}-${row}`), delivered.get(`bsync-${batch.id}-${row}`), `row ${row} is sent as it was delivered`);
  });

  it('resends a version delivered by a replay under the key of its origin row, and takes the key columns in any order', async () => {
    const { batch, delivered } = await deliveredCustomers('customers-2', 'customers-2.csv');
    const first = await resendByKey(store, { groupType: 'customers-2', sourceKeys: ['C-004', 'C-006'], keyColumn: 'customerNo', processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual(first.refused, []);
    const replay = await processParked(store, client, csvSettings(), first.resent[0].batch);
    // Key matching would now point the keys at the replay's rows (1 and 2 of its file).
    await mapKey(store, 'customers-2', { customerNo: 'C-006' }, replay.id, 2);

    const from = server.requests.length;
    const second = await resendByKey(store, { groupType: 'customers-2', sourceKeys: [{ customerNo: 'C-006' }], processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual([second.resent.length, second.resent[0].parent.id, second.resent[0].rows], [1, replay.id, 1]);
    await processParked(store, client, csvSettings(), second.resent[0].batch);
    const key = `bsync-${batch.id}-6`;
    assert.deepEqual([...bodiesByKey(server, from)], [[key, delivered.get(key)]]);

    // A key of two columns, stored in the configured order, asked for in another.
    await mapKey(store, 'customers-2', { name: 'Grace', customerNo: 'C-004' }, batch.id, 4);
    const reordered = await resendByKey(store, { groupType: 'customers-2', sourceKeys: [{ customerNo: 'C-004', name: 'Grace' }, { customerNo: 'C-004', name: 'Ada' }], processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual([reordered.resent[0].rows, reordered.resent[0].parent.id], [1, batch.id]);
    assert.deepEqual(reordered.refused.map((refusal) => refusal.sourceKey), [{ customerNo: 'C-004', name: 'Ada' }]);
  });

  it('parks a JSON Lines replay with the values typed as delivered; plain values of another type are other keys', async () => {
    const groupType = 'meters';
    const from = server.requests.length;
    const batch = await deliverFile(store, client, folders, jsonlSettings(), groupType, 'readings.jsonl', `${READINGS.join('\n')}\n`);
    const delivered = bodiesByKey(server, from);
    for (let row = 1; row <= READINGS.length; row += 1) await mapKey(store, groupType, { meterId: row }, batch.id, row);

    const answer = await resendByKey(store, { groupType, sourceKeys: [2, 3, '4', 5], keyColumn: 'meterId', processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual(answer.refused.map((refusal) => refusal.sourceKey), [{ meterId: '4' }], 'text "4" is not the number 4');
    const [resent] = answer.resent;
    assert.deepEqual([resent.batch.format, resent.rows, path.extname(resent.batch.file_name ?? '')], ['jsonl', 3, '.jsonl']);

    const sent = server.requests.length;
    await processParked(store, client, jsonlSettings(), resent.batch);
    const resentBodies = bodiesByKey(server, sent);
    const keys = [2, 3, 5].map((row) => `bsync-${batch.id}-${row}`);
    assert.deepEqual([...resentBodies.keys()].sort(), keys);
    for (const key of keys) assert.equal(resentBodies.get(key), delivered.get(key), `${key} is sent as it was delivered`);
  });

  it('refuses, key by key, what cannot be read back as delivered: a changed file, a gone file, a row holding another key', async () => {
    const changed = await deliveredCustomers('customers-3', 'customers-3.csv');
    fs.appendFileSync(path.join(changed.batch.folder!, changed.batch.file_name!), 'C-007,Late,1\n');
    const gone = await deliveredCustomers('customers-4', 'customers-4.csv');
    fs.rmSync(path.join(gone.batch.folder!, gone.batch.file_name!));
    const fine = await deliveredCustomers('customers-5', 'customers-5.csv');
    await mapKey(store, 'customers-5', { customerNo: 'C-002' }, fine.batch.id, 3);

    for (const [groupType, pattern] of [
      ['customers-3', /has changed since the batch was parked/],
      ['customers-4', /is gone/],
      ['customers-5', /row 3 of batch \d+, but that row holds another key/],
    ] as const) {
      const parkedBefore = await store.knex(store.tables.batch).count({ n: '*' }).first();
      const answer = await resendByKey(store, { groupType, sourceKeys: [{ customerNo: 'C-002' }], processingFolder: folders.processing, actor: 'admin' });
      assert.deepEqual(answer.resent, [], groupType);
      assert.equal(answer.refused.length, 1);
      assert.match(answer.refused[0].reason, pattern);
      const parkedAfter = await store.knex(store.tables.batch).count({ n: '*' }).first();
      assert.equal(Number(parkedAfter?.n), Number(parkedBefore?.n), 'nothing is parked');
    }
  });

  it('parks one replay batch per source batch, and refuses a key whose version is in a batch still to run', async () => {
    const first = await deliveredCustomers('customers-6', 'customers-6a.csv');
    const second = await deliverFile(store, client, folders, csvSettings(), 'customers-6', 'customers-6b.csv', `${CUSTOMERS.join('\n')}\n`.replace(/C-00/g, 'C-10'));
    await mapKey(store, 'customers-6', { customerNo: 'C-101' }, second.id, 1);
    const waiting = await registerBatch(store, { groupType: 'customers-6', groupId: 'later', kind: 'file', fileName: 'later.csv', folder: folders.processing, sha256: 'b'.repeat(64), size: 1, actor: 'test' });
    await mapKey(store, 'customers-6', { customerNo: 'C-102' }, waiting.id, 2);

    const answer = await resendByKey(store, { groupType: 'customers-6', sourceKeys: [{ customerNo: 'C-101' }, { customerNo: 'C-001' }, { customerNo: 'C-102' }], processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual(answer.resent.map((resent) => [resent.parent.id, resent.batch.parent_batch_id, resent.sourceKeys]), [
      [first.batch.id, first.batch.id, [{ customerNo: 'C-001' }]],
      [second.id, second.id, [{ customerNo: 'C-101' }]],
    ]);
    assert.deepEqual(answer.refused.map((refusal) => refusal.sourceKey), [{ customerNo: 'C-102' }]);
    assert.match(answer.refused[0].reason, new RegExp(`batch ${waiting.id}, which is NEW: resend it once that batch has ended`));
  });

  it('refuses bad requests as a whole, in plain words', async () => {
    const request = { groupType: 'customers', processingFolder: folders.processing, actor: 'admin' };
    await assert.rejects(resendByKey(store, { ...request, sourceKeys: [] }), /resend needs sourceKeys/);
    await assert.rejects(resendByKey(store, { ...request, sourceKeys: 'C-001' }), /resend needs sourceKeys/);
    await assert.rejects(resendByKey(store, { ...request, sourceKeys: ['C-001'] }), /plain value "C-001": give it as an object of its key columns/);
    await assert.rejects(resendByKey(store, { ...request, sourceKeys: [[1]] }), /source key 1 must be an object of key column values/);
    await assert.rejects(resendByKey(store, { ...request, groupType: ' ', sourceKeys: [{ customerNo: 'C-001' }] }), /needs the group type/);
  });
});
