// Key matching end to end against a loopback API that keeps its own records: creates, updates, unchanged
// rows skipped, 404 on an update, two rows of one key in a batch, replays keeping their keys.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { correctPayload, replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import type { MatchingSettings } from '../../../lib/matching';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../../lib/processing';
import { claimBatches, claimErrorPayloads, errorPayloadRows, markErrorPayloadReady, getBatch, getErrorPayload, openStore, type BatchRow, type KeyMapRow, type Store } from '../../../lib/store';
import { makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { CustomerRecordsApi } from '../../support/customer-records-api';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-upsert';
const GROUP_TYPE = 'employee-bank-connections';
const HEADER = 'customerNo,name,city';

export const MATCHING: MatchingSettings = {
  keyColumns: ['customerNo'],
  create: { method: 'POST', pathTemplate: '/customers' },
  update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
  targetKey: { from: 'body', evaluate: async (body) => (body as { id?: unknown }).id },
  onUpdateNotFound: 'report',
};

function customers(prefix: string, count: number, changed: (i: number) => boolean = () => false): string[] {
  return Array.from({ length: count }, (_, index) => {
    const i = index + 1;
    return `${prefix}-${String(i).padStart(3, '0')},Customer ${i}${changed(i) ? ' (renamed)' : ''},Town ${i % 4}`;
  });
}

describeEachDatabase('key matching: upsert batches', (kind) => {
  let store: Store;
  let api: CustomerRecordsApi;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    folders = makeFolders();
  });
  after(async () => {
    await store.close();
  });

  async function withApi(test: () => Promise<void>): Promise<void> {
    api = await CustomerRecordsApi.start();
    client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    try {
      await test();
    } finally {
      await client.close();
      await api.stop();
    }
  }

  function settings(overrides: Partial<ProcessorSettings> = {}, matching: Partial<MatchingSettings> = {}): ProcessorSettings {
    return settingsFor(folders, { matching: { ...MATCHING, ...matching }, windowRows: 7, ...overrides });
  }

  async function runFile(fileName: string, lines: string[], processing = settings()) {
    writeCsv(folders, fileName, [HEADER, ...lines]);
    const batch = await parkAndClaim(store, folders, fileName, OWNER);
    return { batch, summary: await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, batch, processing) };
  }

  async function mappings(prefix: string): Promise<Map<string, KeyMapRow>> {
    const rows = (await store.knex(store.tables.keyMap).where('group_type', GROUP_TYPE).where('source_key', 'like', `{"customerNo":"${prefix}-%`)) as KeyMapRow[];
    return new Map(rows.map((row) => [JSON.parse(row.source_key).customerNo as string, { ...row, batch_id: Number(row.batch_id), row_number: Number(row.row_number) }]));
  }

  it('a first run creates every record and maps each source key to the id the API gave it', () =>
    withApi(async () => {
      const { batch, summary } = await runFile('first.csv', customers('F', 20));
      assert.equal(summary.status, 'PROCESSED');
      assert.deepEqual([summary.succeededRows, summary.failedRows, summary.skippedRows], [20, 0, 0]);
      assert.equal(api.requests('POST').length, 20);
      assert.equal(api.requests('PUT').length, 0);
      assert.equal(api.records.size, 20);
      const mapped = await mappings('F');
      assert.equal(mapped.size, 20);
      for (const [customerNo, row] of mapped) {
        assert.equal(row.target_key, api.idOf('customerNo', customerNo), `target key of ${customerNo}`);
        assert.equal(row.batch_id, batch.id);
        assert.match(row.content_hash, /^[0-9a-f]{64}$/);
      }
      assert.equal(mapped.get('F-003')!.row_number, 3);
    }));

  it('a second run updates only the changed rows and skips the rest, without a request', () =>
    withApi(async () => {
      const first = await runFile('second-a.csv', customers('S', 30));
      assert.equal(first.summary.succeededRows, 30);
      const before = await mappings('S');
      const changed = new Set([4, 11, 29]);
      const sentBefore = api.server.requests.length;

      const { batch, summary } = await runFile('second-b.csv', customers('S', 30, (i) => changed.has(i)));
      assert.equal(summary.status, 'PROCESSED');
      assert.deepEqual([summary.processedRows, summary.succeededRows, summary.failedRows, summary.skippedRows], [30, 3, 0, 27]);
      const stored = await getBatch(store, batch.id);
      assert.equal(stored.skipped_rows, 27);
      const sent = api.server.requests.slice(sentBefore);
      assert.deepEqual(sent.map((r) => r.method), ['PUT', 'PUT', 'PUT'], 'only the 3 changed rows cost a request');
      assert.deepEqual(
        sent.map((r) => r.path).sort(),
        [...changed].map((i) => `/customers/${before.get(`S-${String(i).padStart(3, '0')}`)!.target_key}`).sort(),
      );
      assert.deepEqual(new Set(sent.map((r) => String(r.headers['idempotency-key']))), new Set([...changed].map((i) => `bsync-${batch.id}-${i}`)));
      assert.equal(api.records.size, 30, 'no record created twice');
      assert.equal(api.records.get(before.get('S-011')!.target_key!)!.body.name, 'Customer 11 (renamed)');

      const after = await mappings('S');
      for (const [customerNo, row] of after) {
        const i = Number(customerNo.slice(2));
        assert.equal(row.target_key, before.get(customerNo)!.target_key);
        if (changed.has(i)) {
          assert.notEqual(row.content_hash, before.get(customerNo)!.content_hash);
          assert.equal(row.batch_id, batch.id);
        } else {
          assert.deepEqual([row.content_hash, row.batch_id], [before.get(customerNo)!.content_hash, first.batch.id]);
        }
      }
    }));

  it('two rows of one source key in a batch: the second waits for the first and updates, never a second create', () =>
    withApi(async () => {
      const lines = ['D-001,First,A', 'D-002,Other,B', 'D-001,First,A', 'D-001,Second,C', 'D-003,Third,C'];
      const { summary } = await runFile('duplicates.csv', lines, settings({ concurrency: 4 }));
      assert.deepEqual([summary.succeededRows, summary.skippedRows], [4, 1]);
      assert.equal(api.requests('POST').length, 3, 'one create per source key');
      const updates = api.requests('PUT');
      assert.equal(updates.length, 1);
      const id = api.idOf('customerNo', 'D-001')!;
      assert.equal(updates[0].path, `/customers/${id}`);
      assert.equal(api.records.get(id)!.body.name, 'Second');
      assert.equal((await mappings('D')).get('D-001')!.row_number, 4);
    }));

  it('an update answered 404 is reported plainly as a permanent error: the target deleted the record', () =>
    withApi(async () => {
      await runFile('gone-a.csv', customers('G', 3));
      const gone = (await mappings('G')).get('G-002')!.target_key!;
      api.records.delete(gone);
      const { batch, summary } = await runFile('gone-b.csv', customers('G', 3, () => true));
      assert.equal(summary.status, 'FAILED');
      assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 1]);
      const failed = await errorPayloadRows(store, batch.id);
      const payload = await getErrorPayload(store, failed.get(2)!.id);
      assert.equal(payload.error_kind, 'permanent');
      assert.equal(payload.http_status, 404);
      assert.match(payload.error!, new RegExp(`target deleted the record ${gone} of source key \\{"customerNo":"G-002"\\}`));
      assert.equal(api.requests('POST').length, 3, 'nothing created again');
      assert.equal((await mappings('G')).get('G-002')!.target_key, gone, 'the mapping is kept as it was');
    }));

  it('with re-create chosen, an update answered 404 creates the record again and maps the new id', () =>
    withApi(async () => {
      await runFile('again-a.csv', customers('R', 3));
      const gone = (await mappings('R')).get('R-001')!.target_key!;
      api.records.delete(gone);
      const { summary } = await runFile('again-b.csv', customers('R', 3, (i) => i === 1), settings({}, { onUpdateNotFound: 'recreate' }));
      assert.equal(summary.status, 'PROCESSED');
      assert.deepEqual([summary.succeededRows, summary.skippedRows], [1, 2]);
      const fresh = api.idOf('customerNo', 'R-001')!;
      assert.notEqual(fresh, gone);
      assert.equal((await mappings('R')).get('R-001')!.target_key, fresh);
      assert.equal(api.records.size, 3);
    }));

  it('reads the target key from the Location header when told so', () =>
    withApi(async () => {
      await runFile('location.csv', customers('L', 2), settings({}, { targetKey: { from: 'location' } }));
      const mapped = await mappings('L');
      assert.equal(mapped.get('L-002')!.target_key, api.idOf('customerNo', 'L-002'));
    }));

  it('a row without a key value fails validation and is not sent; the others go on', () =>
    withApi(async () => {
      const { batch, summary } = await runFile('nokey.csv', ['K-001,One,A', ',No key,B', 'K-003,Three,C']);
      assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 1]);
      const payload = await getErrorPayload(store, (await errorPayloadRows(store, batch.id)).get(2)!.id);
      assert.equal(payload.error_kind, 'validation');
      assert.equal(payload.error, 'the row has no value for the key column customerNo');
      assert.equal(api.server.requests.length, 2);
    }));

  it('keeps the source key as read: 007 and 7 are two records', () =>
    withApi(async () => {
      writeCsv(folders, 'exact.csv', ['customerNo,name', '007,Bond', '7,Seven']);
      const batch = await parkAndClaim(store, folders, 'exact.csv', OWNER);
      await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, batch, settings());
      const keys = ((await store.knex(store.tables.keyMap).where('batch_id', batch.id).select('source_key')) as KeyMapRow[]).map((row) => row.source_key).sort();
      assert.deepEqual(keys, ['{"customerNo":"007"}', '{"customerNo":"7"}']);
    }));

  it('a replay keeps the keys of its origin rows and creates what failed, mapped once', () =>
    withApi(async () => {
      api.refuseCreate = (body) => (body.customerNo === 'P-002' ? { status: 422, body: { message: 'city unknown' } } : undefined);
      const { batch } = await runFile('replayed.csv', customers('P', 3));
      assert.equal((await getBatch(store, batch.id)).status, 'FAILED');
      api.refuseCreate = undefined;
      const replay = await replayFailedRows(store, { batchId: batch.id, processingFolder: folders.processing, actor: 'admin' });
      const [claimed] = (await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 5, groupType: GROUP_TYPE })).filter((b: BatchRow) => b.id === replay.batch.id);
      assert.ok(claimed, 'the replay batch is claimed');
      const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settings());
      assert.equal(summary.status, 'PROCESSED');
      const creates = api.requests('POST').filter((r) => JSON.parse(r.body).customerNo === 'P-002');
      assert.deepEqual(creates.map((r) => r.headers['idempotency-key']), [`bsync-${batch.id}-2`, `bsync-${batch.id}-2`], 'the replay sends the origin key');
      const mapped = (await mappings('P')).get('P-002')!;
      assert.equal(mapped.target_key, api.idOf('customerNo', 'P-002'));
      assert.equal(api.records.size, 3);
    }));

  it('a corrected row is resent with its key: an update of its mapped record, and the new content is mapped', () =>
    withApi(async () => {
      await runFile('corrected-a.csv', customers('C', 2));
      const id = api.idOf('customerNo', 'C-002')!;
      api.server.script(`PUT /customers/${id}`, { status: 422, body: { message: 'name too long' } });
      const { batch, summary } = await runFile('corrected-b.csv', customers('C', 2, () => true));
      assert.deepEqual([summary.skippedRows, summary.failedRows, summary.succeededRows], [0, 1, 1]);
      const failed = (await errorPayloadRows(store, batch.id)).get(2)!;
      await correctPayload(store, { id: failed.id, payload: { customerNo: 'C-002', name: 'Customer 2 (fixed)', city: 'Town 2' }, actor: 'admin' });
      await markErrorPayloadReady(store, { id: failed.id, actor: 'admin' });
      const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupId: 'corrected-b.csv' });
      assert.equal(claimed.id, failed.id);
      const settled = await resendErrorPayload({ store, client, owner: OWNER }, claimed, settings());
      assert.equal(settled.status, 'RESOLVED');
      const puts = api.requests('PUT').filter((r) => r.path === `/customers/${id}`);
      assert.deepEqual(puts.map((r) => r.headers['idempotency-key']), [`bsync-${batch.id}-2`, `bsync-${batch.id}-2`], 'the correction is sent with the row key');
      assert.equal(api.records.get(id)!.body.name, 'Customer 2 (fixed)');
      assert.equal(api.requests('POST').length, 2, 'no second create');
      const mapped = (await mappings('C')).get('C-002')!;
      assert.deepEqual([mapped.target_key, mapped.batch_id, mapped.row_number], [id, batch.id, 2]);
      assert.equal(mapped.content_hash, (await import('../../../lib/matching')).contentHash(puts[1].body));
    }));
});
