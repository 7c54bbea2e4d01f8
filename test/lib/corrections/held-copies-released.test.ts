// A replay holds its parent's failed rows RESUBMITTED until its outcome settles them. A replay that ends
// with no outcome (cancelled, or FAILED because its file could not be read) must give them back to the
// parent's open list, NEW, with an event; and the statistics count each failed row open once, in the
// batch whose item is open, never in both.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { cancelBatch, claimBatches, fixStatistics, getBatch, listErrorPayloads, listEvents, retryBatch, openStore, type BatchRow, type Store } from '../../../lib/store';
import { HEADER, employeeRow, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';

describeEachDatabase('held replay copies go back to NEW when the replay ends without an outcome', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  let refused = new Set<number>();

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start({
      respond: (request) => {
        const employee = Number(/\/employees\/(\d+)\//.exec(request.path)?.[1]);
        return refused.has(employee) ? { status: 422, body: { message: `employee ${employee} unknown` } } : { status: 201, body: {} };
      },
    });
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  const run = (batch: BatchRow) => processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, batch, settingsFor(folders));

  async function failedParent(fileName: string, rows: number[], refusedRows: number[]): Promise<BatchRow> {
    writeCsv(folders, fileName, [HEADER, ...rows.map(employeeRow)]);
    refused = new Set(refusedRows);
    const parent = await parkAndClaim(store, folders, fileName);
    const summary = await run(parent);
    assert.deepEqual([summary.status, summary.failedRows], ['FAILED', refusedRows.length]);
    return getBatch(store, parent.id);
  }

  async function claim(batch: BatchRow): Promise<BatchRow> {
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
    assert.equal(claimed?.id, batch.id);
    return claimed;
  }

  const statusesOf = async (batchId: number) =>
    (await listErrorPayloads(store, { batchId, limit: 100 })).errorPayloads.map((row) => [row.row_number, row.status, row.lease_owner]);
  const releasedEvents = async (batchId: number) =>
    (await listEvents(store, { entity: 'error_payload', batchId })).filter((event) => event.action === 'released-by-replay');
  const openOf = async (...batchIds: number[]) => {
    const statistics = await fixStatistics(store, batchIds);
    return batchIds.map((id) => [statistics.get(id)!.open, statistics.get(id)!.heldByReplay]);
  };

  it('a cancelled replay gives its held copies back to NEW, one event each, and they can be replayed again', async () => {
    const parent = await failedParent('cancelled.csv', [1, 2, 3, 4], [1002, 1004]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'RESUBMITTED', null],
      [4, 'RESUBMITTED', null],
    ]);
    assert.deepEqual(await openOf(parent.id, replay.batch.id), [[0, 2], [0, 0]], 'held, not open: the replay will settle them');

    const cancelled = await cancelBatch(store, { id: replay.batch.id, actor: 'admin', reason: 'wrong file' });
    assert.equal(cancelled.status, 'CANCELLED');
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'NEW', null],
      [4, 'NEW', null],
    ]);
    const events = await releasedEvents(parent.id);
    assert.equal(events.length, 2);
    assert.deepEqual(
      events.map((event) => [event.from_status, event.to_status, event.actor, JSON.parse(event.detail!).replayBatchId, JSON.parse(event.detail!).reason]),
      [
        ['RESUBMITTED', 'NEW', 'admin', replay.batch.id, `replay batch ${replay.batch.id} was cancelled: wrong file`],
        ['RESUBMITTED', 'NEW', 'admin', replay.batch.id, `replay batch ${replay.batch.id} was cancelled: wrong file`],
      ],
    );
    assert.deepEqual(await openOf(parent.id), [[2, 0]], 'open again in the parent, once each');
    const listedNew = (await listErrorPayloads(store, { status: 'NEW', groupId: 'cancelled.csv', limit: 100 })).errorPayloads;
    assert.deepEqual(listedNew.map((row) => [row.batch_id, row.row_number]), [[parent.id, 2], [parent.id, 4]]);

    // The failure is not lost: a new replay takes it up and delivers it.
    refused = new Set();
    const again = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    assert.equal(again.rows, 2);
    assert.equal((await run(await claim(again.batch))).status, 'PROCESSED');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED']);
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
  });

  it('a replay that cannot read its file ends FAILED and gives its held copies back to NEW', async () => {
    server.requests.length = 0;
    const parent = await failedParent('unreadable.csv', [1, 2, 3], [1001, 1003]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    fs.rmSync(path.join(replay.batch.folder!, replay.batch.file_name!));

    const summary = await run(await claim(replay.batch));
    assert.equal(summary.status, 'FAILED');
    assert.match(summary.error ?? '', /is not in/);
    assert.deepEqual(await statusesOf(parent.id), [
      [1, 'NEW', null],
      [3, 'NEW', null],
    ]);
    assert.deepEqual(await statusesOf(replay.batch.id), [], 'the replay sent nothing and failed no row');
    const events = await releasedEvents(parent.id);
    assert.deepEqual(
      events.map((event) => [event.actor, JSON.parse(event.detail!).replayBatchId]),
      [
        [OWNER, replay.batch.id],
        [OWNER, replay.batch.id],
      ],
    );
    assert.match(JSON.parse(events[0].detail!).reason, new RegExp(`^replay batch ${replay.batch.id} could not read its file: file `));
    assert.deepEqual(await openOf(parent.id, replay.batch.id), [[2, 0], [0, 0]]);
    assert.equal(server.requests.filter((request) => /^\/employees\/100[13]\//.test(request.path)).length, 2, 'sent by the parent only');
  });

  it('counts each failed row open once: a replay that failed a row holds the copy, and cancelling its retry releases nothing', async () => {
    const parent = await failedParent('counted.csv', [1, 2, 3], [1001, 1002, 1003]);
    refused = new Set([1002, 1003]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    assert.equal((await run(await claim(replay.batch))).status, 'FAILED');
    assert.deepEqual(await openOf(parent.id, replay.batch.id), [[0, 2], [2, 0]], 'two failures open, in the replay; the parent holds their copies');
    const statistics = (await fixStatistics(store, [parent.id])).get(parent.id)!;
    assert.deepEqual([statistics.failed, statistics.resolved, statistics.byStatus.RESUBMITTED], [3, 1, 2]);

    // A retry of the replay, cancelled before it runs: its own error payloads stay the open items, so the
    // parent's copies stay held (releasing them would list each failure twice).
    await retryBatch(store, { id: replay.batch.id, actor: 'admin' });
    await cancelBatch(store, { id: replay.batch.id, actor: 'admin' });
    assert.deepEqual(await statusesOf(parent.id), [
      [1, 'RESOLVED', null],
      [2, 'RESUBMITTED', null],
      [3, 'RESUBMITTED', null],
    ]);
    assert.deepEqual(await releasedEvents(parent.id), []);
    assert.deepEqual(await openOf(parent.id, replay.batch.id), [[0, 2], [2, 0]]);
  });

  it('cancelling a batch that is no replay changes no error payload', async () => {
    writeCsv(folders, 'plain.csv', [HEADER, employeeRow(1)]);
    const parked = await parkAndClaim(store, folders, 'plain.csv');
    await run(parked);
    await retryBatch(store, { id: parked.id, actor: 'admin' });
    const cancelled = await cancelBatch(store, { id: parked.id, actor: 'admin' });
    assert.equal(cancelled.status, 'CANCELLED');
    assert.deepEqual(await releasedEvents(parked.id), []);
    await assert.rejects(cancelBatch(store, { id: parked.id, actor: 'admin' }), /only NEW, ERROR_RETRY or RETRY batches can be cancelled/);
  });
});
