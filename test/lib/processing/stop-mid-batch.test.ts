// A clean stop mid-batch: the node closing (signal) lets the requests in flight finish; its close time
// running out (cancel) cuts them off. Either way the checkpoint is written, the batch is re-parked, and
// no row is lost or settled on a guess. A run lets go of the node's signals when it ends.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, type ProcessorSettings } from '../../../lib/processing';
import { claimBatches, getBatch, listEvents, openStore, type BatchRow, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { eventually } from '../../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-stopping';

function rows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => employeeRow(i + 1));
}

/** The row number an idempotency key names (`bsync-<batch>-<row>`). */
function rowOf(request: { headers: Record<string, unknown> }): number {
  return Number(String(request.headers['idempotency-key']).split('-').pop());
}

describeEachDatabase('processBatch stopping mid-batch', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });

  async function withServer(test: (folders: Folders) => Promise<void>): Promise<void> {
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 30_000, connections: 8 });
    try {
      await test(makeFolders());
    } finally {
      await client.close();
      await server.stop();
    }
  }

  async function reclaim(batch: BatchRow): Promise<BatchRow> {
    const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
    assert.equal(again?.id, batch.id, 'the re-parked batch is due at once');
    return again;
  }

  function run(batch: BatchRow, settings: ProcessorSettings, signal: AbortSignal, cancel?: AbortSignal) {
    return processBatch({ store, client, owner: OWNER, signal, cancel }, batch, settings);
  }

  it('on close, lets the requests in flight finish: the checkpoint is exactly the rows the API accepted', () =>
    withServer(async (folders) => {
      const accepted: number[] = [];
      server.respond(async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        accepted.push(rowOf(request));
        return { status: 200, body: { status: 'SUCCESS' } };
      });
      writeCsv(folders, 'close.csv', [HEADER, ...rows(60)]);
      const batch = await parkAndClaim(store, folders, 'close.csv', OWNER);
      const settings = settingsFor(folders, { concurrency: 4, windowRows: 1000 });
      const closing = new AbortController();
      const running = run(batch, settings, closing.signal);
      await eventually(() => server.requests.length >= 6 && server.concurrent === 4, 'requests in flight');
      closing.abort();
      const summary = await running;

      assert.equal(summary.status, 'ERROR_RETRY');
      const parked = await getBatch(store, batch.id);
      assert.equal(parked.status, 'ERROR_RETRY');
      assert.equal(parked.lease_owner, null);
      assert.ok(parked.parked_until <= Date.now(), 'due again at once');
      assert.equal(server.requests.length, accepted.length, 'every request in flight got its answer');
      assert.deepEqual(accepted.sort((a, b) => a - b), Array.from({ length: parked.checkpoint_row }, (_, i) => i + 1));
      assert.equal(parked.succeeded_rows, parked.checkpoint_row);
      assert.ok(parked.checkpoint_row < 60, `stopped before the end (checkpoint ${parked.checkpoint_row})`);
      const events = await listEvents(store, { entity: 'batch', entityId: batch.id });
      assert.equal(events.at(-1)?.action, 'released');

      server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
      const sentBefore = server.requests.length;
      const resumed = await run(await reclaim(batch), settings, new AbortController().signal);
      assert.equal(resumed.status, 'PROCESSED');
      assert.equal(resumed.succeededRows, 60);
      const resent = server.requests.slice(sentBefore).map(rowOf);
      assert.deepEqual(resent.sort((a, b) => a - b), Array.from({ length: 60 - parked.checkpoint_row }, (_, i) => parked.checkpoint_row + 1 + i));
    }));

  it('on cancel, cuts off the requests in flight, settles none of them, and re-sends them on resume with the same key', () =>
    withServer(async (folders) => {
      // Rows 1–6 are answered at once; from row 7 on the API takes far longer than the node may wait.
      server.respond((request) => (rowOf(request) <= 6 ? { status: 200, body: { status: 'SUCCESS' } } : { status: 200, body: {}, delayMs: 20_000 }));
      writeCsv(folders, 'cancel.csv', [HEADER, ...rows(12)]);
      const batch = await parkAndClaim(store, folders, 'cancel.csv', OWNER);
      // Three cut-off requests would open a breaker of two, if it counted them: it must not.
      const settings = settingsFor(folders, { concurrency: 3, breakerThreshold: 2, windowRows: 1000 });
      const closing = new AbortController();
      const cancel = new AbortController();
      const startedAt = Date.now();
      const running = run(batch, settings, closing.signal, cancel.signal);
      await eventually(() => server.requests.length === 9 && server.concurrent === 3, 'rows 7 to 9 in flight');
      closing.abort();
      cancel.abort();
      const summary = await running;

      assert.ok(Date.now() - startedAt < 15_000, 'the run did not wait for the slow answers');
      assert.equal(summary.status, 'ERROR_RETRY');
      const parked = await getBatch(store, batch.id);
      assert.equal(parked.status, 'ERROR_RETRY');
      assert.equal(parked.checkpoint_row, 6);
      assert.deepEqual([parked.processed_rows, parked.succeeded_rows, parked.failed_rows], [6, 6, 0]);
      assert.equal((await store.knex(store.tables.errorPayload).where('batch_id', batch.id)).length, 0, 'a cut-off row is not a failed row');
      const last = (await listEvents(store, { entity: 'batch', entityId: batch.id })).at(-1);
      assert.equal(last?.action, 'released', 'the cut-off requests did not open the circuit breaker');
      assert.ok(parked.parked_until <= Date.now());
      const cutOff = server.requests.slice(6).map((request) => String(request.headers['idempotency-key']));
      assert.deepEqual(cutOff.sort(), [7, 8, 9].map((row) => `bsync-${batch.id}-${row}`));

      server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
      const resumed = await run(await reclaim(batch), settings, new AbortController().signal, new AbortController().signal);
      assert.equal(resumed.status, 'PROCESSED');
      assert.deepEqual([resumed.processedRows, resumed.succeededRows, resumed.failedRows], [12, 12, 0]);
      const resent = server.requests.slice(9);
      assert.deepEqual(resent.map(rowOf).sort((a, b) => a - b), [7, 8, 9, 10, 11, 12], 'the cut-off rows and the rest, nothing before the checkpoint');
      for (const key of cutOff) {
        assert.equal(resent.filter((request) => request.headers['idempotency-key'] === key).length, 1, `${key} sent again with its key`);
      }
    }));

  it('lets go of the node\'s signals after each batch: 20 batches on one signal leave no listener and no warning', () =>
    withServer(async (folders) => {
      server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
      const closing = new AbortController();
      const cancel = new AbortController();
      const listenersBefore = [getEventListeners(closing.signal, 'abort').length, getEventListeners(cancel.signal, 'abort').length];
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        for (let i = 1; i <= 20; i += 1) {
          writeCsv(folders, `leak-${i}.csv`, [HEADER, employeeRow(i)]);
          const batch = await parkAndClaim(store, folders, `leak-${i}.csv`, OWNER);
          assert.equal((await run(batch, settingsFor(folders), closing.signal, cancel.signal)).status, 'PROCESSED');
        }
        // A warning is emitted on the next tick.
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('warning', onWarning);
      }
      assert.deepEqual([getEventListeners(closing.signal, 'abort').length, getEventListeners(cancel.signal, 'abort').length], listenersBefore);
      assert.deepEqual(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning').map(String), []);
      assert.equal(server.requests.length, 20);
    }));

  it('ends a batch FAILED with the reason when its file cannot be moved, instead of leaving it claimed', () =>
    withServer(async (folders) => {
      server.respond((request) => (rowOf(request) === 2 ? { status: 422, body: { message: 'unknown employee' } } : { status: 200, body: {} }));
      writeCsv(folders, 'unmovable.csv', [HEADER, ...rows(3)]);
      const batch = await parkAndClaim(store, folders, 'unmovable.csv', OWNER);
      // The failed folder is under a plain file: no move into it can succeed.
      const blocker = path.join(folders.root, 'not-a-folder');
      fs.writeFileSync(blocker, 'x');
      const settings = settingsFor(folders, { folders: { archive: folders.archive, failed: path.join(blocker, 'failed') } });
      const summary = await run(batch, settings, new AbortController().signal);

      assert.equal(summary.status, 'FAILED');
      assert.match(summary.error ?? '', /1 of 3 rows failed, and ending the batch failed while moving its file to .*not-a-folder/);
      const stored = await getBatch(store, batch.id);
      assert.equal(stored.status, 'FAILED');
      assert.equal(stored.error, summary.error);
      assert.equal(stored.lease_owner, null, 'not left claimed');
      assert.equal(stored.folder, folders.processing, 'the batch says where its file still is');
      assert.equal(stored.error_file, null);
      assert.ok(fs.existsSync(path.join(folders.processing, 'unmovable.csv')), 'the file is not lost');
      assert.deepEqual([stored.checkpoint_row, stored.succeeded_rows, stored.failed_rows], [3, 2, 1], 'its rows stay settled');
      const last = (await listEvents(store, { entity: 'batch', entityId: batch.id })).at(-1);
      assert.deepEqual([last?.action, last?.from_status, last?.to_status], ['failed', 'PROCESSING', 'FAILED']);
    }));
});
