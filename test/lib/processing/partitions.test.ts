// Partitions of a large file batch (lib/store/partitions, processBatch): the batch is split into row ranges,
// each a batch of its own that any runtime claims; its rows are sent once each with the batch's own keys,
// the last partition to settle finishes the batch, whose counters, error payloads and error file are whole.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, type BatchSummary, type ProcessorSettings } from '../../../lib/processing';
import {
  cancelBatch,
  claimBatches,
  countBatches,
  getBatch,
  listBatches,
  listErrorPayloads,
  listEvents,
  listPartitions,
  openStore,
  retryBatch,
  settlePartition,
  type BatchRow,
  type Store,
} from '../../../lib/store';
import { sumBatchRows } from '../../../lib/store/batches/sum-batch-rows';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const GROUP_TYPE = 'employee-bank-connections';

describeEachDatabase('partitions of a large batch', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  /** Employee numbers the API refuses with 422 (until a test clears it). */
  const refused = new Set<string>();

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start({
      respond: async (request) => {
        const employee = /^\/employees\/(\d+)\//.exec(request.path)?.[1] ?? '';
        return refused.has(employee) ? { status: 422, body: { error: `employee ${employee} unknown` } } : { status: 201, body: {} };
      },
    });
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 30_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<ProcessorSettings> = {}) => settingsFor(folders, { partitionRows: 10, concurrency: 3, ...overrides });
  const run = (batch: BatchRow, owner: string, options: Partial<ProcessorSettings> = {}) =>
    processBatch({ store, client, owner, signal: new AbortController().signal }, batch, settings(options));
  /** Every partition of the batch's group, claimed by two runtimes at once until none is left; their summaries. */
  async function runPartitionsOnTwoRuntimes(groupId: string): Promise<BatchSummary[]> {
    const summaries: BatchSummary[] = [];
    const runtime = async (owner: string) => {
      for (;;) {
        const [claimed] = await claimBatches(store, { owner, leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE, groupId });
        if (!claimed) return;
        summaries.push(await run(claimed, owner));
      }
    };
    await Promise.all([runtime('runtime-a'), runtime('runtime-b')]);
    return summaries;
  }

  it('splits a batch above the partition size into row ranges, runs them on two runtimes, and ends it whole', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => employeeRow(i + 1));
    // A file of that name already in the failed folder: the batch's file gets a free name there, which its
    // partitions must follow when the batch is retried.
    fs.writeFileSync(path.join(folders.failed, 'large.csv'), 'another batch\n');
    writeCsv(folders, 'large.csv', [HEADER, ...rows]);
    // Rows 4, 15 and 23 (one in each partition) are refused by the API.
    for (const row of [4, 15, 23]) refused.add(String(1000 + row));
    const claimed = await parkAndClaim(store, folders, 'large.csv', 'runtime-a');
    const before = server.requests.length;

    const split = await run(claimed, 'runtime-a');
    assert.equal(split.status, 'PARTITIONED');
    assert.equal(split.partitions, 3);
    assert.equal(server.requests.length, before, 'splitting sends nothing');
    const parent = await getBatch(store, claimed.id);
    assert.deepEqual([parent.status, parent.total_rows, parent.partition_count, parent.lease_owner], ['PROCESSING', 25, 3, null]);
    const partitions = await listPartitions(store, claimed.id);
    assert.deepEqual(partitions.map((p) => [p.status, p.first_row, p.last_row, p.checkpoint_row, p.total_rows, p.file_name, p.partition_of]), [
      ['NEW', 1, 10, 0, 10, 'large.csv', claimed.id],
      ['NEW', 11, 20, 10, 10, 'large.csv', claimed.id],
      ['NEW', 21, 25, 20, 5, 'large.csv', claimed.id],
    ]);
    // A partition is a part of its batch: listed and counted once, as the batch.
    assert.deepEqual((await listBatches(store, { groupId: 'large.csv' })).batches.map((b) => b.id), [claimed.id]);
    assert.equal((await listBatches(store, { partitionOf: claimed.id })).total, 3);
    assert.equal((await countBatches(store, { groupId: 'large.csv' })).total, 1);

    const summaries = await runPartitionsOnTwoRuntimes('large.csv');
    const sent = server.requests.slice(before);
    const keys = sent.map((request) => String(request.headers['idempotency-key']));
    assert.equal(sent.length, 25, 'each row sent once');
    assert.deepEqual([...keys].sort(), rows.map((_, i) => `bsync-${claimed.id}-${i + 1}`).sort(), "the batch's own keys, each once");
    // Each partition after the first reads from where its first row starts: each key goes with its own row.
    for (const request of sent) {
      const row = Number(String(request.headers['idempotency-key']).split('-').pop());
      assert.equal(request.path, `/employees/${1000 + row}/bank-connections`, `row ${row} sent as itself`);
    }
    const byteOf = (row: number) => Buffer.byteLength([HEADER, ...rows.slice(0, row - 1)].join('\n') + '\n');
    assert.deepEqual(partitions.map((p) => [p.first_row_byte, p.lines_before]), [[null, null], [byteOf(11), 11], [byteOf(21), 21]]);

    // Each partition claimed once; the last to settle finished the batch and said so.
    for (const partition of partitions) {
      const claims = (await listEvents(store, { batchId: partition.id })).filter((event) => event.action === 'claimed' || event.action === 'lease-expired-reclaimed');
      assert.equal(claims.length, 1, `partition ${partition.id} claimed once`);
    }
    const ended = summaries.filter((summary) => !summary.partition);
    assert.equal(ended.length, 1, 'one run ends the batch');
    assert.deepEqual([ended[0].batchId, ended[0].status, ended[0].totalRows, ended[0].succeededRows, ended[0].failedRows], [claimed.id, 'FAILED', 25, 22, 3]);

    const done = await getBatch(store, claimed.id);
    assert.deepEqual([done.status, done.processed_rows, done.succeeded_rows, done.failed_rows, done.lease_owner], ['FAILED', 25, 22, 3, null]);
    assert.equal(done.folder, folders.failed, 'the file moved to the failed folder once, by the batch');
    assert.notEqual(done.file_name, 'large.csv', 'under a free name');
    assert.ok(fs.existsSync(path.join(folders.failed, done.file_name!)));
    const settled = await listPartitions(store, claimed.id);
    assert.deepEqual(settled.map((p) => [p.status, p.processed_rows, p.failed_rows, p.checkpoint_row]), [
      ['PROCESSED', 10, 1, 10],
      ['PROCESSED', 10, 1, 20],
      ['PROCESSED', 5, 1, 25],
    ]);
    // The failed rows are the batch's: its error payloads, its one error file, in row order.
    const payloads = (await listErrorPayloads(store, { batchId: claimed.id })).errorPayloads;
    assert.deepEqual(payloads.map((p) => [p.row_number, p.idempotency_key, p.http_status]).sort((a, b) => Number(a[0]) - Number(b[0])), [
      [4, `bsync-${claimed.id}-4`, 422],
      [15, `bsync-${claimed.id}-15`, 422],
      [23, `bsync-${claimed.id}-23`, 422],
    ]);
    for (const partition of partitions) assert.equal((await listErrorPayloads(store, { batchId: partition.id })).total, 0, 'no error payload under a partition');
    const errorLines = fs.readFileSync(done.error_file!, 'utf8').trim().split('\n');
    assert.equal(errorLines.length, 4, 'header and the 3 failed rows');
    assert.deepEqual(errorLines.slice(1).map((line) => line.split(',')[0]), ['1004', '1015', '1023']);
    // The store's totals count the batch's rows once.
    const totals = await sumBatchRows(store);
    assert.equal(totals.failed, 3);
  });

  it('a retried partitioned batch parks its partitions again, keeps its keys, and resolves its failed rows', async () => {
    const [parentId] = (await listBatches(store, { groupId: 'large.csv' })).batches.map((b) => b.id);
    refused.clear();
    // The file back where a retry reads it (as an admin does after a fix).
    const failedFile = path.join(folders.failed, (await getBatch(store, parentId)).file_name!);
    await retryBatch(store, { id: parentId, actor: 'admin' });
    await assert.rejects(retryBatch(store, { id: (await listPartitions(store, parentId))[0].id, actor: 'admin' }), /is a partition of batch \d+: it cannot be retried on its own; retry batch \d+/);
    await assert.rejects(cancelBatch(store, { id: (await listPartitions(store, parentId))[1].id, actor: 'admin' }), /is a partition of batch \d+: it cannot be cancelled on its own/);
    assert.ok(fs.existsSync(failedFile));
    const before = server.requests.length;

    const [claimed] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE, groupId: 'large.csv' });
    assert.equal(claimed.id, parentId, 'the parent is claimed first (the partitions are settled)');
    const restarted = await run(claimed, 'runtime-b', { folders: { archive: folders.archive, failed: folders.failed } });
    assert.equal(restarted.status, 'PARTITIONED');
    assert.deepEqual((await listPartitions(store, parentId)).map((p) => [p.status, p.checkpoint_row, p.processed_rows]), [
      ['RETRY', 0, 0],
      ['RETRY', 10, 0],
      ['RETRY', 20, 0],
    ]);
    await runPartitionsOnTwoRuntimes('large.csv');
    const keys = server.requests.slice(before).map((request) => String(request.headers['idempotency-key']));
    assert.equal(keys.length, 25);
    assert.deepEqual([...keys].sort(), Array.from({ length: 25 }, (_, i) => `bsync-${parentId}-${i + 1}`).sort(), 'the same keys as the first run');
    const done = await getBatch(store, parentId);
    assert.deepEqual([done.status, done.processed_rows, done.succeeded_rows, done.failed_rows], ['PROCESSED', 25, 25, 0]);
    const payloads = (await listErrorPayloads(store, { batchId: parentId })).errorPayloads;
    assert.deepEqual(payloads.map((p) => p.status), ['RESOLVED', 'RESOLVED', 'RESOLVED'], 'the rows that failed are resolved by the retry');
  });

  it('a batch whose last partition settled but whose runtime died before finishing it is finished by the next claim', async () => {
    writeCsv(folders, 'orphan.csv', [HEADER, ...Array.from({ length: 12 }, (_, i) => employeeRow(100 + i))]);
    const claimed = await parkAndClaim(store, folders, 'orphan.csv', 'runtime-a');
    await run(claimed, 'runtime-a');
    const [first, second] = await listPartitions(store, claimed.id);
    const [firstClaim] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE, groupId: 'orphan.csv' });
    assert.equal(firstClaim.id, first.id);
    assert.equal((await run(firstClaim, 'runtime-a')).status, 'PROCESSED');
    // The second partition's rows, then its end, as its runtime would do them, taking the parent to finish
    // with a short lease; then the runtime "dies" before finishing the parent.
    const [secondClaim] = await claimBatches(store, { owner: 'runtime-dead', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE, groupId: 'orphan.csv' });
    assert.equal(secondClaim.id, second.id);
    await store.knex(store.tables.batch).where('id', second.id).update({ status: 'PROCESSING', checkpoint_row: 12, processed_rows: 2, succeeded_rows: 2 });
    await store.knex(store.tables.batch).where('id', claimed.id).update({ processed_rows: 12, succeeded_rows: 12 });
    const settled = await settlePartition(store, { partition: await getBatch(store, second.id), owner: 'runtime-dead', to: 'PROCESSED', leaseMs: 50 });
    assert.equal(settled.parentToFinish?.id, claimed.id, 'the last partition takes the parent to finish');
    assert.equal(settled.parentToFinish?.lease_owner, 'runtime-dead');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const [reclaimed] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE, groupId: 'orphan.csv' });
    assert.equal(reclaimed.id, claimed.id, 'the parent, its lease run out, is claimed again');
    const summary = await run(reclaimed, 'runtime-b');
    assert.deepEqual([summary.batchId, summary.status, summary.processedRows], [claimed.id, 'PROCESSED', 12]);
    const done = await getBatch(store, claimed.id);
    assert.equal(done.folder, folders.archive);
    const actions = (await listEvents(store, { batchId: claimed.id })).map((event) => event.action);
    assert.ok(actions.includes('partitions-settled') && actions.includes('lease-expired-reclaimed') && actions.includes('processed'), actions.join(', '));
  });

  it('a batch at or below the partition size is processed whole', async () => {
    writeCsv(folders, 'small.csv', [HEADER, ...Array.from({ length: 10 }, (_, i) => employeeRow(200 + i))]);
    const claimed = await parkAndClaim(store, folders, 'small.csv', 'runtime-a');
    const summary = await run(claimed, 'runtime-a');
    assert.deepEqual([summary.status, summary.processedRows, summary.partition], ['PROCESSED', 10, undefined]);
    const batch = await getBatch(store, claimed.id);
    assert.equal(batch.partition_count, 0);
    assert.equal((await listPartitions(store, claimed.id)).length, 0);
  });
});
