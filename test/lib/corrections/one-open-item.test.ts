// Issue 11 item 3: a replayed row has one open item. The parent's error payloads go RESUBMITTED, held by
// the replay; the replay's outcome settles them, and the parent closes PROCESSED once all are delivered.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, resendErrorPayload } from '../../../lib/processing';
import { claimBatches, claimErrorPayloads, retryBatch, discardErrorPayload, fixStatistics, getBatch, listErrorPayloads, listEvents, markErrorPayloadReady, openStore, type Store } from '../../../lib/store';
import { HEADER, employeeRow, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';

describeEachDatabase('one open item per failed row across replays', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  // Employee numbers the downstream refuses with a 422; changed between runs as the "fix" progresses.
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

  async function runReplayOf(parentId: number) {
    const replay = await replayFailedRows(store, { batchId: parentId, processingFolder: folders.processing, actor: 'admin' });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: replay.batch.group_type, groupId: replay.batch.group_id ?? undefined });
    assert.equal(claimed?.id, replay.batch.id);
    const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settingsFor(folders));
    return { replay, summary };
  }

  const statusesOf = async (batchId: number) =>
    (await listErrorPayloads(store, { batchId, limit: 100 })).errorPayloads.map((row) => [row.row_number, row.status, row.lease_owner]);

  it('lists each failed row once after a replay, and settles the held copies when a second replay delivers them', async () => {
    server.requests.length = 0;
    writeCsv(folders, 'payroll.csv', [HEADER, ...[1, 2, 3, 4, 5, 6].map(employeeRow)]);
    refused = new Set([1002, 1004, 1006]);
    const parent = await parkAndClaim(store, folders, 'payroll.csv');
    const first = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, parent, settingsFor(folders));
    assert.deepEqual([first.status, first.failedRows], ['FAILED', 3]);

    // The downstream now takes 1002 but still refuses 1004 and 1006.
    refused = new Set([1004, 1006]);
    const { replay, summary } = await runReplayOf(parent.id);
    assert.deepEqual([summary.status, summary.failedRows], ['FAILED', 2]);

    const listedNew = (await listErrorPayloads(store, { status: 'NEW', groupId: 'payroll.csv', limit: 100 })).errorPayloads;
    assert.deepEqual(
      listedNew.map((row) => [row.batch_id, row.idempotency_key]),
      [
        [replay.batch.id, `bsync-${parent.id}-4`],
        [replay.batch.id, `bsync-${parent.id}-6`],
      ],
      'each failed row is listed once, as the replay failed it',
    );
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'RESOLVED', null],
      [4, 'RESUBMITTED', null],
      [6, 'RESUBMITTED', null],
    ]);
    const held = (await listEvents(store, { entity: 'error_payload' })).filter((event) => event.action === 'held-by-replay' && event.batch_id === parent.id);
    assert.equal(held.length, 3, 'one event per replayed error payload');
    assert.equal(JSON.parse(held[0].detail!).replayBatchId, replay.batch.id);

    // Held copies have no lease: the errors-mode dispatcher never claims them, however late it is.
    assert.deepEqual(await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 10, groupId: 'payroll.csv', now: Date.now() + 86_400_000 }), []);
    assert.equal((await getBatch(store, parent.id)).status, 'FAILED', 'the parent stays FAILED while copies are held');

    refused = new Set();
    const second = await runReplayOf(replay.batch.id);
    assert.deepEqual([second.summary.status, second.summary.failedRows], ['PROCESSED', 0]);
    assert.deepEqual(await statusesOf(parent.id), [
      [2, 'RESOLVED', null],
      [4, 'RESOLVED', null],
      [6, 'RESOLVED', null],
    ]);
    assert.deepEqual((await statusesOf(replay.batch.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED']);
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
    assert.equal((await getBatch(store, replay.batch.id)).status, 'PROCESSED');
    const employees = server.requests.map((request) => request.path);
    assert.equal(employees.filter((p) => p.startsWith('/employees/1004/')).length, 3, 'sent once per run, never twice in one');
  });

  it("settles the held copies by the replay's own payloads: a resend that delivers resolves, a discard discards", async () => {
    server.requests.length = 0;
    writeCsv(folders, 'billing.csv', [HEADER, ...[1, 2, 3, 4].map(employeeRow)]);
    refused = new Set([1001, 1003]);
    const parent = await parkAndClaim(store, folders, 'billing.csv');
    await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, parent, settingsFor(folders));
    const { replay, summary } = await runReplayOf(parent.id);
    assert.deepEqual([summary.status, summary.failedRows], ['FAILED', 2]);
    const [row1, row3] = (await listErrorPayloads(store, { batchId: replay.batch.id, limit: 10 })).errorPayloads;
    assert.deepEqual([row1.status, row3.status], ['NEW', 'NEW']);

    refused = new Set();
    await markErrorPayloadReady(store, { id: row1.id, actor: 'admin' });
    const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 5, groupId: 'billing.csv' });
    assert.equal(claimed?.id, row1.id, "only the replay's payload is claimed, never the parent's held copy");
    const resent = await resendErrorPayload({ store, client, owner: OWNER }, claimed, settingsFor(folders));
    assert.equal(resent.status, 'RESOLVED');
    assert.deepEqual(await statusesOf(parent.id), [
      [1, 'RESOLVED', null],
      [3, 'RESUBMITTED', null],
    ]);
    assert.equal((await getBatch(store, parent.id)).status, 'FAILED');

    await discardErrorPayload(store, { id: row3.id, actor: 'admin', reason: 'customer closed' });
    assert.deepEqual(await statusesOf(parent.id), [
      [1, 'RESOLVED', null],
      [3, 'DISCARDED', null],
    ]);
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
    assert.equal((await getBatch(store, replay.batch.id)).status, 'PROCESSED');
    const statistics = (await fixStatistics(store, [parent.id])).get(parent.id)!;
    assert.deepEqual([statistics.failed, statistics.open, statistics.resolved, statistics.discarded, statistics.settledThroughLineage], [2, 0, 1, 1, 2]);
    assert.equal(server.requests.filter((request) => request.path.startsWith('/employees/1003/')).length, 2, 'a discarded row is not sent again');
  });

  it('a retry of the parent from its original file resolves the copies a replay still holds', async () => {
    writeCsv(folders, 'retried.csv', [HEADER, ...[1, 2, 3].map(employeeRow)]);
    refused = new Set([1002, 1003]);
    const parent = await parkAndClaim(store, folders, 'retried.csv');
    const first = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, parent, settingsFor(folders));
    assert.deepEqual([first.status, first.failedRows], ['FAILED', 2]);
    const { replay, summary } = await runReplayOf(parent.id);
    assert.equal(summary.status, 'FAILED', 'the replay fails them again: the parent copies stay held');

    // The downstream is fixed; the admin retries the parent from its original file.
    refused = new Set();
    await retryBatch(store, { id: parent.id, actor: 'admin' });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parent.group_type, groupId: parent.group_id ?? undefined });
    assert.equal(claimed?.id, parent.id);
    const again = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settingsFor(folders));
    assert.equal(again.status, 'PROCESSED');
    assert.deepEqual((await statusesOf(parent.id)).map(([row, status]) => [row, status]), [
      [2, 'RESOLVED'],
      [3, 'RESOLVED'],
    ], 'the held copies are resolved by the retry that delivered their rows');
    assert.deepEqual((await statusesOf(replay.batch.id)).map(([, status]) => status), ['RESOLVED', 'RESOLVED'], "and the replay's open items with them, through the lineage");
    assert.equal((await listErrorPayloads(store, { status: 'NEW', groupId: 'retried.csv', limit: 100 })).total, 0);
  });
});
