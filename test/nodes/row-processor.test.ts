import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { claimErrorPayloads, getBatch, openStore, registerBatch, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { employeeRow, HEADER, makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string; error?: { message: string } };

describe('row-processor node', () => {
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
          pathTemplate: '/employees/{employeeNumber}/bank-connections', concurrency: '2', maxAttempts: '2', baseDelayMs: '10',
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

  it('processes a claimed batch: completion summary on output 1, each failed row on output 2, progress on the status', async () => {
    await load();
    server.respond((request) => (request.path.includes('/1002/') ? { status: 422, body: { errorCode: 'BAD', message: 'rejected' } } : { status: 200, body: {} }));
    writeCsv(folders, 'node.csv', [HEADER, employeeRow(1), employeeRow(2), employeeRow(3)]);
    const batch = await parkAndClaim(store, folders, 'node.csv', 'runtime-node');
    const complete = next('complete');
    const failed = next('failed');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);

    const summary = (await complete).payload;
    assert.equal((await complete).topic, 'batch-complete');
    assert.equal(summary.status, 'FAILED');
    assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 1]);
    const failedRow = (await failed).payload;
    assert.equal(failedRow.rowNumber, 2);
    assert.equal(failedRow.batchId, batch.id);
    assert.equal(failedRow.httpStatus, 422);
    assert.equal(failedRow.idempotencyKey, `bsync-${batch.id}-2`);
    const status = lastStatus(helper.getNode('processor') as never);
    assert.match(String(status.text), new RegExp(`batch ${batch.id} FAILED: 2 ok, 1 failed`));
  });

  it('refuses a message that is not a claimed item, through done(err) to a Catch node', async () => {
    await load();
    const caught = next('caught');
    helper.getNode('processor').receive({ payload: { id: 5 } } as never);
    const msg = await caught;
    assert.match(String(msg.error?.message), /msg\.topic must be "batch" or "error-payload"/, 'decided by the topic, not by the shape of the payload');
    const withoutLease = next('caught');
    helper.getNode('processor').receive({ topic: 'batch', payload: { id: 5 } } as never);
    assert.match(String((await withoutLease).error?.message), /msg\.lease\.owner is missing/);
    assert.equal(server.requests.length, 0);
  });

  it('shows a configuration error and sends nothing when the row schema is not valid', async () => {
    await load({ schema: '{"type": "object", "properties": {"x": {"type": "no-such-type"}}}' });
    const status = lastStatus(helper.getNode('processor') as never);
    assert.equal(status.fill, 'red');
    assert.match(String(status.text), /invalid configuration/);
    const caught = next('caught');
    helper.getNode('processor').receive({ payload: { id: 1 }, lease: { owner: 'x' } } as never);
    assert.match(String((await caught).error?.message), /invalid configuration/);
  });

  // Issue 11: a setting that cannot work is refused with its reason, never clamped to one that can.
  for (const [field, value, reason] of [
    ['maxAttempts', '0', /maxAttempts must be a whole number from 1 to 100, got "0"/],
    ['baseDelayMs', '-1', /baseDelayMs must be a whole number from 0 to 3600000, got "-1"/],
    ['concurrency', '0', /concurrency must be a whole number from 1 to 256, got "0"/],
    ['leaseTime', '3', /leaseTime must be a number from 5 to 86400, got "3"/],
    ['maxDelayMs', '5', /the longest backoff \(5 ms\) is shorter than the first \(10 ms\)/],
  ] as const) {
    it(`deployed with ${field} ${value}, shows why on the status and processes nothing`, async () => {
      await load({ [field]: value });
      const status = lastStatus(helper.getNode('processor') as never);
      assert.equal(status.fill, 'red');
      writeCsv(folders, `refused-${field}.csv`, [HEADER, employeeRow(1)]);
      const batch = await parkAndClaim(store, folders, `refused-${field}.csv`, 'runtime-node');
      const caught = next('caught');
      helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
      const refusal = String((await caught).error?.message);
      assert.match(refusal, reason);
      // The status is the same text, cut to fit under the node.
      assert.ok(String(status.text).length > 30 && refusal.includes(String(status.text).replace(/…$/, '')), `status "${status.text}" shows "${refusal}"`);
      const after = await getBatch(store, batch.id);
      assert.deepEqual([after.status, after.checkpoint_row], [batch.status, batch.checkpoint_row], 'the batch is left as it was claimed');
      assert.equal(server.requests.length, 0, 'nothing was sent');
    });
  }

  it('on redeploy stops sending, writes the checkpoint and re-parks the batch as ERROR_RETRY', async () => {
    await load({ concurrency: '1' });
    server.respond(() => ({ status: 200, body: {}, delayMs: 30 }));
    writeCsv(folders, 'close.csv', [HEADER, ...Array.from({ length: 100 }, (_, i) => employeeRow(i + 1))]);
    const batch = await parkAndClaim(store, folders, 'close.csv', 'runtime-node');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    await eventually(() => server.requests.length >= 5, 'some rows sent');
    await unloadFlow();
    const sent = server.requests.length;
    const parked = await getBatch(store, batch.id);
    assert.equal(parked.status, 'ERROR_RETRY');
    assert.ok(parked.checkpoint_row >= 5 && parked.checkpoint_row < 100);
    assert.equal(parked.checkpoint_row, sent, 'every row sent before the close was settled and written');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.requests.length, sent, 'nothing is sent after the close');
  });

  it('resends a READY error payload with its original key and resolves it', async () => {
    await load();
    const registered = await registerBatch(store, { groupType: 'resend', kind: 'payload', payload: '{"employeeNumber": 42}', actor: 'test' });
    await store.knex(store.tables.errorPayload).insert({
      batch_id: registered.id, row_number: 1, group_type: 'resend', payload: '{"employeeNumber":42,"iban":"DE89370400440532013000"}',
      original_payload: '{"employeeNumber":"42"}', idempotency_key: `bsync-${registered.id}-1`, status: 'READY', error_kind: 'permanent',
      error: 'was rejected', attempts: 1, created_at: Date.now(), status_time: Date.now(),
    });
    const [claimed] = await claimErrorPayloads(store, { owner: 'runtime-node', leaseMs: 60_000, limit: 1, groupType: 'resend' });
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'error-payload', payload: claimed, lease: { owner: 'runtime-node', until: claimed.lease_until } } as never);
    const resent = (await complete).payload;
    assert.equal(resent.status, 'RESOLVED');
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].path, '/employees/42/bank-connections');
    assert.equal(server.requests[0].headers['idempotency-key'], `bsync-${registered.id}-1`);
  });

  it('fails a file whose header lacks a column the row schema requires, before sending anything', async () => {
    await load({ schema: JSON.stringify({ type: 'object', required: ['employeeNumber', 'iban'] }) });
    writeCsv(folders, 'header.csv', ['employee,iban', '1,DE89370400440532013000']);
    const batch = await parkAndClaim(store, folders, 'header.csv', 'runtime-node');
    const complete = next('complete');
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-node', until: batch.lease_until } } as never);
    const summary = (await complete).payload;
    assert.equal(summary.status, 'FAILED');
    assert.match(String(summary.error), /employeeNumber/);
    assert.equal(server.requests.length, 0);
    const status = lastStatus(helper.getNode('processor') as never);
    assert.match(String(status.text), new RegExp(`^batch ${batch.id} FAILED: header.csv line 1: the header lacks the required column`), 'the reason on the status, not "0 ok, 0 failed"');
  });
});
