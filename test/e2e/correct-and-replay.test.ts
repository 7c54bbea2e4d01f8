// The whole loop of the error side, against a loopback payroll API: rows fail, an admin corrects, resends,
// discards and replays them, and the batch ends PROCESSED with the audit trail to show for it. Each row
// keeps one idempotency key through all of it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { correctPayload, CorrectionRefusedError, replayFailedRows } from '../../lib/corrections';
import { ApiClient } from '../../lib/delivery';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../lib/processing';
import { dispatchRun } from '../../lib/schedule';
import {
  claimBatches,
  discardErrorPayload,
  getBatch,
  getErrorPayloadDetail,
  listErrorPayloads,
  listEvents,
  markErrorPayloadReady,
  markErrorPayloadsReady,
  openStore,
  type Store,
} from '../../lib/store';
import { compileRowSchema } from '../../lib/validation';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../support/stores';

const OWNER = 'runtime-test';
const GROUP = 'employee-bank-connections';
const SCHEMA = {
  type: 'object',
  required: ['employeeNumber', 'iban'],
  properties: { employeeNumber: { type: 'integer' }, iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' } },
};

/** The employee a request was about, from its path: /employees/1004/bank-connections → 1004. */
function employeeOf(path: string): number {
  return Number(/\/employees\/(\d+)\//.exec(path)?.[1]);
}

describeEachDatabase('correct and replay', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  /** Employees the payroll API does not know (yet): 422. */
  let unknownEmployees: Set<number>;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });
  beforeEach(async () => {
    folders = makeFolders();
    unknownEmployees = new Set();
    server = await TestHttpServer.start({
      respond: (request) =>
        unknownEmployees.has(employeeOf(request.path))
          ? { status: 422, body: { errorCode: 'EMP_UNKNOWN', message: 'employee does not exist' } }
          : { status: 200, body: { status: 'SUCCESS' } },
    });
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
  });
  afterEach(async () => {
    await client.close();
    await server.stop();
  });

  function settings(): ProcessorSettings {
    return settingsFor(folders, { validator: compileRowSchema(SCHEMA), rowSchema: JSON.stringify(SCHEMA), concurrency: 2 });
  }

  /** Every request the API saw carried the key of its origin row: employee 100n is row n of the origin batch. */
  function assertOneKeyPerRow(originBatchId: number): void {
    for (const request of server.requests) {
      assert.equal(request.headers['idempotency-key'], `bsync-${originBatchId}-${employeeOf(request.path) - 1000}`, `${request.method} ${request.path}`);
    }
  }

  it('bad rows → NEW → corrected (one refused) → READY → resent by an errors-mode dispatcher → RESOLVED; one discarded; the batch ends PROCESSED', async () => {
    // Row 2: IBAN broken; row 4: employee number broken (both fail the schema, never sent);
    // rows 5 and 6: employees the payroll API does not know yet (422).
    const lines = [HEADER, employeeRow(1), employeeRow(2).replace(/,DE\d+,/, ',DE-BROKEN,'), employeeRow(3), `abc${employeeRow(4).slice(4)}`, employeeRow(5), employeeRow(6)];
    writeCsv(folders, 'bank.csv', lines);
    unknownEmployees = new Set([1005, 1006]);
    const claimed = await parkAndClaim(store, folders, 'bank.csv');
    const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settings());
    assert.equal(summary.status, 'FAILED');
    assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 4]);

    const failed = (await listErrorPayloads(store, { batchId: claimed.id })).errorPayloads;
    assert.deepEqual(failed.map((p) => [p.row_number, p.status, p.error_kind]), [[2, 'NEW', 'validation'], [4, 'NEW', 'validation'], [5, 'NEW', 'permanent'], [6, 'NEW', 'permanent']]);
    const [row2, row4, row5, row6] = failed;

    // Corrections are checked against the schema the batch was processed with.
    const fixedRow2 = { ...JSON.parse(row2.original_payload!), iban: 'DE89370400440532013002' };
    await correctPayload(store, { id: row2.id, payload: fixedRow2, actor: 'alice' });
    const stillBroken = { ...JSON.parse(row4.original_payload!), employeeNumber: 'A1004' };
    await assert.rejects(correctPayload(store, { id: row4.id, payload: stillBroken, actor: 'alice' }), (error: Error) => {
      assert.ok(error instanceof CorrectionRefusedError);
      assert.match(error.message, /column "employeeNumber": value "A1004"/);
      return true;
    });
    await correctPayload(store, { id: row4.id, payload: { ...stillBroken, employeeNumber: '1004' }, actor: 'alice' });
    await discardErrorPayload(store, { id: row6.id, reason: 'employee 1006 left before payroll', actor: 'bob' });

    // The payroll API now knows employee 1005; the admin sends everything still NEW of the batch again.
    unknownEmployees.clear();
    const ready = await markErrorPayloadsReady(store, { filter: { batchId: claimed.id }, actor: 'bob' });
    assert.deepEqual(ready.ids, [row2.id, row4.id, row5.id]);
    await assert.rejects(markErrorPayloadReady(store, { id: row6.id, actor: 'bob' }), /is DISCARDED: only a NEW error payload can be marked READY/);

    const run = await dispatchRun(store, {
      mode: 'errors', dispatcher: `errors:${GROUP}:*`, owner: OWNER, leaseMs: 60_000, groupType: GROUP, defaults: { fetchSize: 10, maxInFlight: 10 },
    });
    assert.equal(run.mode, 'errors');
    assert.deepEqual(run.claimed.map((p) => [p.id, p.status]), [[row2.id, 'RESUBMITTED'], [row4.id, 'RESUBMITTED'], [row5.id, 'RESUBMITTED']]);
    for (const errorPayload of run.claimed) {
      const settled = await resendErrorPayload({ store, client, owner: OWNER }, errorPayload, settings());
      assert.equal(settled.status, 'RESOLVED', `error payload ${errorPayload.id}: ${settled.error}`);
    }

    const batch = await getBatch(store, claimed.id);
    assert.equal(batch.status, 'PROCESSED');
    const batchEvents = await listEvents(store, { entity: 'batch', entityId: claimed.id });
    assert.deepEqual(batchEvents.map((e) => e.action), ['registered', 'claimed', 'processing', 'failed', 'all-failed-rows-settled']);
    assert.match(JSON.parse(batchEvents.at(-1)!.detail!).reason, /all 4 failed rows were settled: 3 resolved, 1 discarded/);

    const row4Detail = await getErrorPayloadDetail(store, row4.id);
    assert.deepEqual(row4Detail.events.map((e) => [e.action, e.actor]), [['row-failed', OWNER], ['corrected', 'alice'], ['ready', 'bob'], ['claimed', OWNER], ['resolved', OWNER]]);
    assert.deepEqual(JSON.parse(row4Detail.events[1].detail!).after, { payload: JSON.stringify({ ...stillBroken, employeeNumber: 1004 }) });
    assert.equal(row4Detail.errorPayload.original_payload, row4.original_payload, 'the original row is kept');
    assert.deepEqual(
      [row4Detail.batchStatistics.failed, row4Detail.batchStatistics.open, row4Detail.batchStatistics.resolved, row4Detail.batchStatistics.discarded],
      [4, 0, 3, 1],
    );
    const row6Events = (await getErrorPayloadDetail(store, row6.id)).events;
    assert.deepEqual(row6Events.map((e) => [e.action, e.actor]), [['row-failed', OWNER], ['discarded', 'bob']]);
    assert.equal(JSON.parse(row6Events[1].detail!).reason, 'employee 1006 left before payroll');

    // What the API saw: the corrected bodies, and one key per row through every attempt.
    const sent2 = server.requestsTo('/employees/1002/bank-connections');
    assert.equal(sent2.length, 1);
    assert.equal(JSON.parse(sent2[0].body).iban, 'DE89370400440532013002');
    assert.equal(server.requestsTo('/employees/1005/bank-connections').length, 2);
    assert.equal(server.requestsTo('/employees/1006/bank-connections').length, 1, 'a discarded row is not sent again');
    assertOneKeyPerRow(claimed.id);
  });

  it('replays an error file after the downstream was fixed: the replay PROCESSED, the parent\'s rows RESOLVED, the parent PROCESSED', async () => {
    writeCsv(folders, 'bank.csv', [HEADER, ...Array.from({ length: 8 }, (_, i) => employeeRow(i + 1))]);
    unknownEmployees = new Set([1003, 1007]);
    const claimed = await parkAndClaim(store, folders, 'bank.csv');
    const first = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settings());
    assert.equal(first.status, 'FAILED');
    assert.ok(first.errorFile);

    unknownEmployees.clear();
    const replay = await replayFailedRows(store, { batchId: claimed.id, processingFolder: folders.processing, actor: 'alice', reason: 'employees created in payroll' });
    assert.equal(replay.rows, 2);
    const [replayClaimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: GROUP });
    assert.equal(replayClaimed.id, replay.batch.id);
    const second = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, replayClaimed, settings());

    assert.equal(second.status, 'PROCESSED');
    assert.deepEqual([second.totalRows, second.succeededRows], [2, 2]);
    assert.deepEqual(
      (await listErrorPayloads(store, { batchId: claimed.id })).errorPayloads.map((p) => [p.row_number, p.status]),
      [[3, 'RESOLVED'], [7, 'RESOLVED']],
    );
    const parent = await getBatch(store, claimed.id);
    assert.equal(parent.status, 'PROCESSED');
    const parentEvents = (await listEvents(store, { entity: 'batch', entityId: claimed.id })).map((e) => [e.action, e.actor]);
    assert.deepEqual(parentEvents.slice(-2), [['replayed', 'alice'], ['all-failed-rows-settled', OWNER]]);
    const statistics = (await getErrorPayloadDetail(store, (await listErrorPayloads(store, { batchId: claimed.id })).errorPayloads[0].id)).batchStatistics;
    assert.deepEqual([statistics.resolved, statistics.settledThroughLineage, statistics.replayBatchIds], [2, 2, [replay.batch.id]]);

    assert.equal(server.requestsTo('/employees/1003/bank-connections').length, 2);
    assert.equal(server.requestsTo('/employees/1007/bank-connections').length, 2);
    assert.equal(server.requests.length, 10, 'the replay sent the two failed rows only');
    assertOneKeyPerRow(claimed.id);
  });

  it('a latin1 batch: the replay of its error file (UTF-8) sends each row\'s text as the first attempt did', async () => {
    const names = ['Zoë Müller', 'José Ñúñez', 'Ægir Øst'];
    const lines = ['employeeNumber,iban,name', ...names.map((name, i) => `${1001 + i},DE89370400440532013${String(i).padStart(3, '0')},${name}`)];
    fs.writeFileSync(path.join(folders.processing, 'bank-latin1.csv'), Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    unknownEmployees = new Set([1001, 1003]);
    const latin1 = { ...settings(), csv: { encoding: 'latin1' as const } };
    const claimed = await parkAndClaim(store, folders, 'bank-latin1.csv');
    const first = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, latin1);
    assert.equal(first.status, 'FAILED');

    unknownEmployees.clear();
    const replay = await replayFailedRows(store, { batchId: claimed.id, processingFolder: folders.processing, actor: 'alice' });
    const [replayClaimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: GROUP });
    assert.equal(replayClaimed.id, replay.batch.id);
    const second = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, replayClaimed, latin1);
    assert.equal(second.status, 'PROCESSED');

    const sentNames = (employee: number) => server.requestsTo(`/employees/${employee}/bank-connections`).map((request) => JSON.parse(request.body).name);
    assert.deepEqual(sentNames(1001), [names[0], names[0]], 'the replay sends the name as read from the latin1 file');
    assert.deepEqual(sentNames(1003), [names[2], names[2]]);
    assert.deepEqual(sentNames(1002), [names[1]]);
  });
});
