// Two key-matched batches of one group type at once (two runtimes, or two batches in flight in one): each
// key is created once, and the newer batch's version is the one the downstream keeps. The second batch waits
// for the first to let go of the group type's key map (takeKeyMapLock); so does a batch for the resend of an
// error payload of its group type, and the resend for a batch.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, resendErrorPayload } from '../../../lib/processing';
import {
  claimBatches,
  claimErrorPayloads,
  errorPayloadRows,
  getBatch,
  listEvents,
  markErrorPayloadReady,
  openStore,
  registerBatch,
  takeKeyMapLock,
  type BatchRow,
  type KeyMapHolder,
  type KeyMapRow,
  type Store,
} from '../../../lib/store';
import { makeFolders, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { CustomerRecordsApi } from '../../support/customer-records-api';
import { eventually } from '../../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';
import { CUSTOMER_MATCHING as MATCHING } from '../../support/upsert-worker';

const GROUP_TYPE = 'customers';
const ROWS = 30;

function customers(version: string): string[] {
  return ['customerNo,name', ...Array.from({ length: ROWS }, (_, i) => `K-${String(i + 1).padStart(3, '0')},Customer ${i + 1} ${version}`)];
}

describeEachDatabase('key matching: two batches of one group type at once', (kind) => {
  let store: Store;
  let folders: Folders;
  let api: CustomerRecordsApi;
  let client: ApiClient;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    folders = makeFolders();
    api = await CustomerRecordsApi.start();
    // Slow answers, so the two runs would overlap for their whole length.
    api.answerDelayMs = 5;
    client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 8 });
  });
  after(async () => {
    await client.close();
    await api.stop();
    await store.close();
  });

  async function park(fileName: string, lines: string[]): Promise<BatchRow> {
    writeCsv(folders, fileName, lines);
    return registerBatch(store, { groupType: GROUP_TYPE, groupId: 'concurrent', kind: 'file', fileName, folder: folders.processing, sha256: 'f'.repeat(64), size: 1, actor: 'test' });
  }

  const settings = () => settingsFor(folders, { matching: MATCHING, concurrency: 4, windowRows: 5 });

  it('creates each key once; the newer batch waits, then updates every record with its version', async () => {
    const older = await park('v1.csv', customers('v1'));
    const newer = await park('v2.csv', customers('v2'));
    // Two runtimes, each claiming one of the two at the same moment.
    const [first] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    const [second] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.deepEqual([first.id, second.id], [older.id, newer.id]);
    const signal = new AbortController().signal;
    // The newer one starts first: the order is the batches', not the runs'.
    const summaries = await Promise.all([
      processBatch({ store, client, owner: 'runtime-b', signal }, second, settings()),
      processBatch({ store, client, owner: 'runtime-a', signal }, first, settings()),
    ]);
    assert.deepEqual(
      summaries.map((summary) => [summary.status, summary.succeededRows, summary.failedRows]),
      [
        ['PROCESSED', ROWS, 0],
        ['PROCESSED', ROWS, 0],
      ],
    );

    assert.equal(api.records.size, ROWS, 'one record per customer, not one per batch');
    assert.equal(api.requests('POST').length, ROWS);
    assert.equal(api.requests('PUT').length, ROWS, 'the newer batch updated what the older created');
    for (const record of api.records.values()) assert.match(String(record.body.name), / v2$/, `record ${record.id} holds the newer version`);
    const mapped = (await store.knex(store.tables.keyMap).where('group_type', GROUP_TYPE)) as KeyMapRow[];
    assert.equal(mapped.length, ROWS);
    for (const row of mapped) {
      assert.equal(row.target_key, api.idOf('customerNo', JSON.parse(row.source_key).customerNo));
      assert.equal(Number(row.batch_id), newer.id);
    }
    const waits = (await listEvents(store, { batchId: newer.id })).filter((event) => event.action === 'waiting-for-key-map');
    assert.equal(waits.length, 1);
    assert.deepEqual(JSON.parse(waits[0].detail!).waitingFor, { kind: 'batch', id: older.id });
  });

  it('the resend of a failed create and a batch with the same new key at once: one record, one mapping', async () => {
    // The first batch's create of R-001 is refused: an error payload, its key unmapped.
    let refused = false;
    api.refuseCreate = (body) => {
      if (refused || body.customerNo !== 'R-001') return undefined;
      refused = true;
      return { status: 422, body: { message: 'try again later' } };
    };
    const failing = await park('r1.csv', ['customerNo,name', 'R-001,Rita v1']);
    const [claimedFailing] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.equal(claimedFailing.id, failing.id);
    assert.equal((await processBatch({ store, client, owner: 'runtime-a', signal: new AbortController().signal }, claimedFailing, settings())).failedRows, 1);
    const failed = (await errorPayloadRows(store, failing.id)).get(1)!;
    await markErrorPayloadReady(store, { id: failed.id, actor: 'admin' });
    const [resending] = await claimErrorPayloads(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.equal(resending.id, failed.id);
    // Meanwhile the source sends R-001 again, changed, in a batch another runtime claims.
    const next = await park('r2.csv', ['customerNo,name', 'R-001,Rita v2']);
    const [claimedNext] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.equal(claimedNext.id, next.id);
    const [resent, summary] = await Promise.all([
      resendErrorPayload({ store, client, owner: 'runtime-a' }, resending, settings()),
      processBatch({ store, client, owner: 'runtime-b', signal: new AbortController().signal }, claimedNext, settings()),
    ]);
    assert.equal(resent.status, 'RESOLVED');
    assert.deepEqual([summary.status, summary.succeededRows], ['PROCESSED', 1]);
    const records = [...api.records.values()].filter((record) => String(record.body.customerNo) === 'R-001');
    assert.equal(records.length, 1, 'created once, then updated');
    const mapped = (await store.knex(store.tables.keyMap).where('group_type', GROUP_TYPE).where('source_key', JSON.stringify({ customerNo: 'R-001' }))) as KeyMapRow[];
    assert.deepEqual(mapped.map((row) => row.target_key), [records[0].id]);
  });

  it('an error payload being resent holds the key map: a batch of its group type waits for it', async () => {
    api.refuseCreate = (body) => (body.customerNo === 'H-001' ? { status: 422, body: { message: 'no' } } : undefined);
    const failing = await park('h1.csv', ['customerNo,name', 'H-001,Hal']);
    const [claimed] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    await processBatch({ store, client, owner: 'runtime-a', signal: new AbortController().signal }, claimed, settings());
    api.refuseCreate = undefined;
    const failed = (await errorPayloadRows(store, failing.id)).get(1)!;
    await markErrorPayloadReady(store, { id: failed.id, actor: 'admin' });
    const [resending] = await claimErrorPayloads(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    const holder = { kind: 'error-payload', id: resending.id } as const;
    assert.deepEqual(await takeKeyMapLock(store, { groupType: GROUP_TYPE, holder }), { taken: true });
    const waiting = await park('h2.csv', ['customerNo,name', 'H-002,Hana']);
    const [claimedWaiting] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.equal(claimedWaiting.id, waiting.id);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: GROUP_TYPE, holder: { kind: 'batch', id: waiting.id } }), { taken: false, waitingFor: holder });
    const resent = await resendErrorPayload({ store, client, owner: 'runtime-a' }, resending, settings());
    assert.equal(resent.status, 'RESOLVED');
    assert.deepEqual(await takeKeyMapLock(store, { groupType: GROUP_TYPE, holder: { kind: 'batch', id: waiting.id } }), { taken: true }, 'settled, it holds nothing');
    assert.equal((await processBatch({ store, client, owner: 'runtime-b', signal: new AbortController().signal }, claimedWaiting, settings())).status, 'PROCESSED');
  });

  it('a batch interrupted, then resumed after a newer batch of its group type ran, sends none of its older versions over the newer', async () => {
    const lines = (version: string) => ['customerNo,name', ...Array.from({ length: ROWS }, (_, i) => `S-${String(i + 1).padStart(3, '0')},Customer ${i + 1} ${version}`)];
    const parkAs = (fileName: string, groupId: string, version: string) => {
      writeCsv(folders, fileName, lines(version));
      return registerBatch(store, { groupType: GROUP_TYPE, groupId, kind: 'file', fileName, folder: folders.processing, sha256: 'f'.repeat(64), size: 1, actor: 'test' });
    };
    const older = await parkAs('s1.csv', 'resume-older', 'v1');
    const [claimedOlder] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupId: 'resume-older' });
    // The API goes down after the first 10 creates: the breaker re-parks the batch with its checkpoint.
    api.refuseCreate = (body) => (Number(String(body.customerNo).slice(2)) > 10 ? { status: 503, body: { message: 'down for maintenance' } } : undefined);
    const outage = { breakerThreshold: 3, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } };
    const stopped = await processBatch({ store, client, owner: 'runtime-a', signal: new AbortController().signal }, claimedOlder, settingsFor(folders, { matching: MATCHING, concurrency: 4, windowRows: 5, ...outage }));
    api.refuseCreate = undefined;
    assert.equal(stopped.status, 'ERROR_RETRY');
    const parked = await getBatch(store, older.id);
    const checkpoint = parked.checkpoint_row;
    assert.ok(checkpoint > 0 && checkpoint < ROWS, `stopped mid-batch (checkpoint ${checkpoint})`);

    // Meanwhile a newer batch with every customer changed again runs to its end.
    const newer = await parkAs('s2.csv', 'resume-newer', 'v2');
    const [claimedNewer] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupId: 'resume-newer' });
    const newerSummary = await processBatch({ store, client, owner: 'runtime-b', signal: new AbortController().signal }, claimedNewer, settings());
    assert.deepEqual([newerSummary.status, newerSummary.succeededRows], ['PROCESSED', ROWS]);

    // The older batch resumes: the rest of its rows are older versions of what the newer one delivered.
    const sentBefore = api.server.requests.length;
    // Once its pause is over (parked until then: the claim's clock is moved past it).
    const [resumed] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupId: 'resume-older', now: Number(parked.parked_until) + 1 });
    assert.equal(resumed.id, older.id);
    const summary = await processBatch({ store, client, owner: 'runtime-a', signal: new AbortController().signal }, resumed, settings());
    assert.equal(summary.status, 'PROCESSED');
    assert.equal(summary.skippedRows, ROWS - checkpoint, 'the rows after its checkpoint are superseded');
    assert.equal(api.server.requests.length, sentBefore, 'none of them sent');
    const records = [...api.records.values()].filter((record) => String(record.body.customerNo).startsWith('S-'));
    assert.equal(records.length, ROWS);
    for (const record of records) assert.match(String(record.body.name), / v2$/, `record ${record.id} keeps the newer version`);
    const mapped = (await store.knex(store.tables.keyMap).where('group_type', GROUP_TYPE).where('source_key', 'like', '{"customerNo":"S-%')) as KeyMapRow[];
    assert.deepEqual([...new Set(mapped.map((row) => Number(row.origin_batch_id)))], [newer.id]);
  });

  it('a run stopped while it waits sends nothing and parks its batch again', async () => {
    const holder = await park('held.csv', customers('held'));
    const waiting = await park('waiting.csv', customers('waiting'));
    const [held] = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    const [claimed] = await claimBatches(store, { owner: 'runtime-b', leaseMs: 60_000, limit: 1, groupType: GROUP_TYPE });
    assert.deepEqual([held.id, claimed.id], [holder.id, waiting.id]);
    const sentBefore = api.server.requests.length;
    const closing = new AbortController();
    const waitingFor: KeyMapHolder[] = [];
    const run = processBatch({ store, client, owner: 'runtime-b', signal: closing.signal, onProgress: (progress) => progress.waitingFor && waitingFor.push(progress.waitingFor) }, claimed, settings());
    await eventually(() => waitingFor.length > 0, 'the run reports the batch it waits for', 10_000);
    assert.deepEqual(waitingFor, [{ kind: 'batch', id: holder.id }]);
    closing.abort();
    const summary = await run;
    assert.equal(summary.status, 'ERROR_RETRY');
    assert.equal(summary.processedRows, 0);
    assert.equal(api.server.requests.length, sentBefore, 'nothing was sent');
    const parked = await getBatch(store, waiting.id);
    assert.equal(parked.status, 'ERROR_RETRY');
    assert.equal(parked.lease_owner, null);
  });
});
