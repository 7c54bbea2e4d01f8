// A replay that ended without an outcome (cancelled, or its file unread) gave its parent's failed rows back
// to NEW. Retrying it sends those rows again, so it must hold them again: otherwise a row failing again is
// open twice (the parent's copy and the replay's error payload). A retry is refused while another replay
// of the parent holds them, or one of them waits for its resend.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { cancelBatch, claimBatches, markErrorPayloadReady, fixStatistics, getBatch, listErrorPayloads, listEvents, retryBatch, openStore, type BatchRow, type Store } from '../../../lib/store';
import { HEADER, employeeRow, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';

describeEachDatabase('a retried replay holds its parent\'s failed rows again', (kind) => {
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
  const heldEvents = async (batchId: number) =>
    (await listEvents(store, { entity: 'error_payload', batchId }))
      .filter((event) => event.action === 'held-by-replay')
      .map((event) => [event.from_status, event.to_status, event.actor, JSON.parse(event.detail!).replayBatchId, JSON.parse(event.detail!).reason ?? null]);
  const openNew = async (...batchIds: number[]) =>
    (await Promise.all(batchIds.map(async (batchId) => (await listErrorPayloads(store, { batchId, status: 'NEW', limit: 100 })).errorPayloads)))
      .flat()
      .map((row) => [row.batch_id, row.idempotency_key]);

  it('holds the copies again on retry; its outcome resolves a delivered row, and a row failing again is open once, in the replay', async () => {
    const parent = await failedParent('retried.csv', [1, 2, 3], [1002, 1003]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    await cancelBatch(store, { id: replay.batch.id, actor: 'admin', reason: 'not yet' });
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'NEW', null],
      [3, 'NEW', null],
    ]);

    const retried = await retryBatch(store, { id: replay.batch.id, actor: 'operator' });
    assert.equal(retried.status, 'RETRY');
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'RESUBMITTED', null],
      [3, 'RESUBMITTED', null],
    ]);
    const retryReason = `replay batch ${replay.batch.id} was retried`;
    assert.deepEqual(await heldEvents(parent.id), [
      ['NEW', 'RESUBMITTED', 'admin', replay.batch.id, null],
      ['NEW', 'RESUBMITTED', 'admin', replay.batch.id, null],
      ['NEW', 'RESUBMITTED', 'operator', replay.batch.id, retryReason],
      ['NEW', 'RESUBMITTED', 'operator', replay.batch.id, retryReason],
    ]);
    const statistics = (await fixStatistics(store, [parent.id])).get(parent.id)!;
    assert.deepEqual([statistics.open, statistics.heldByReplay], [0, 2], 'held by the retried replay, not open in the parent');

    // Row 2 is delivered now, row 3 is refused again.
    refused = new Set([1003]);
    const summary = await run(await claim(retried));
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 1, 1]);
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'RESOLVED', null],
      [3, 'RESUBMITTED', null],
    ]);
    const [replayFailure] = (await listErrorPayloads(store, { batchId: replay.batch.id, limit: 100 })).errorPayloads;
    assert.equal(replayFailure.status, 'NEW');
    assert.deepEqual(await openNew(parent.id, replay.batch.id), [[replay.batch.id, replayFailure.idempotency_key]], 'each failure open once: row 3, in the replay');
    const [parentRow3] = (await listErrorPayloads(store, { batchId: parent.id, status: 'RESUBMITTED', limit: 100 })).errorPayloads;
    assert.equal(parentRow3.idempotency_key, replayFailure.idempotency_key, 'the same row, under its one key');
  });

  it('refuses the retry while another replay of the parent holds its rows, naming that replay', async () => {
    const parent = await failedParent('taken-over.csv', [1, 2], [1001, 1002]);
    const first = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    await cancelBatch(store, { id: first.batch.id, actor: 'admin' });
    const second = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });

    await assert.rejects(
      retryBatch(store, { id: first.batch.id, actor: 'admin' }),
      new RegExp(`^InvalidRequestError: batch ${first.batch.id} cannot be retried: replay batch ${second.batch.id} of batch ${parent.id} now holds 2 of its rows \\(row 1 first\\)`),
    );
    assert.equal((await getBatch(store, first.batch.id)).status, 'CANCELLED', 'the refused retry changed nothing');
    assert.deepEqual(
      (await heldEvents(parent.id)).map(([, , , replayId]) => replayId),
      [first.batch.id, first.batch.id, second.batch.id, second.batch.id],
    );

    // Once the second replay has delivered both rows, the first may be retried: it holds nothing again.
    refused = new Set();
    assert.equal((await run(await claim(second.batch))).status, 'PROCESSED');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED']);
    assert.equal((await retryBatch(store, { id: first.batch.id, actor: 'admin' })).status, 'RETRY');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED']);
    assert.equal((await heldEvents(parent.id)).length, 4);
    await cancelBatch(store, { id: first.batch.id, actor: 'admin' });
  });

  it('refuses the retry while a row it gave back is READY for its resend', async () => {
    const parent = await failedParent('corrected.csv', [1, 2], [1001, 1002]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    await cancelBatch(store, { id: replay.batch.id, actor: 'admin' });
    const [row1] = (await listErrorPayloads(store, { batchId: parent.id, limit: 100 })).errorPayloads;
    await markErrorPayloadReady(store, { id: row1.id, actor: 'admin' });
    await assert.rejects(
      retryBatch(store, { id: replay.batch.id, actor: 'admin' }),
      new RegExp(`batch ${replay.batch.id} cannot be retried: row 1 of batch ${parent.id} is READY`),
    );
    assert.deepEqual(await statusesOf(parent.id), [
      [1, 'READY', null],
      [2, 'NEW', null],
    ]);
  });

  it('a replay that could not read its file holds its rows again when retried, and gives them back when it fails unread again', async () => {
    const parent = await failedParent('unread.csv', [1, 2], [1001, 1002]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    const file = path.join(replay.batch.folder!, replay.batch.file_name!);
    fs.renameSync(file, `${file}.away`);
    assert.equal((await run(await claim(replay.batch))).status, 'FAILED');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['NEW', 'NEW']);

    const retried = await retryBatch(store, { id: replay.batch.id, actor: 'admin' });
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['RESUBMITTED', 'RESUBMITTED']);
    assert.equal((await run(await claim(retried))).status, 'FAILED');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['NEW', 'NEW'], 'unread again: given back again');
    const released = (await listEvents(store, { entity: 'error_payload', batchId: parent.id })).filter((event) => event.action === 'released-by-replay');
    assert.equal(released.length, 4);

    // With its file back, the retried replay delivers both rows for the parent.
    fs.renameSync(`${file}.away`, file);
    refused = new Set();
    const again = await retryBatch(store, { id: replay.batch.id, actor: 'admin' });
    assert.equal((await run(await claim(again))).status, 'PROCESSED');
    assert.deepEqual((await statusesOf(parent.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED']);
    assert.deepEqual(await openNew(parent.id, replay.batch.id), []);
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
  });

  it('refuses to retry a batch while a replay of it is still to run (both would send its failed rows), and allows it once that replay is cancelled', async () => {
    const parent = await failedParent('parent-busy.csv', [1, 2], [1002]);
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    await assert.rejects(
      retryBatch(store, { id: parent.id, actor: 'admin' }),
      new RegExp(`^InvalidRequestError: batch ${parent.id} cannot be retried while its replay batch ${replay.batch.id} is RETRY`),
    );
    assert.equal((await getBatch(store, parent.id)).status, 'FAILED', 'a refused retry changes nothing');
    await cancelBatch(store, { id: replay.batch.id, actor: 'admin', reason: 'retry the whole file instead' });
    const retried = await retryBatch(store, { id: parent.id, actor: 'admin' });
    assert.deepEqual([retried.status, retried.checkpoint_row, retried.failed_rows, retried.skipped_rows], ['RETRY', 0, 0, 0]);
  });
});
