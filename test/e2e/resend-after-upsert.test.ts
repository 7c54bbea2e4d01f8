// Resend after a real upsert: key matching delivers a file and writes the key map; the API then loses 3
// records; lib/resend parks a replay of exactly those rows, read back where the key map says they are (its
// row_number is the row's number in the file of its batch_id: what key matching writes is what the resend
// reads). Processed with updateNotFound 'recreate', the 3 records are created again under their original
// Idempotency-Keys and the new ids mapped (a replay never skips an unchanged row); with 'report' they are
// error payloads saying the target deleted the record. SQLite, MariaDB and PostgreSQL as the store.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../lib/delivery';
import { hashFile } from '../../lib/files/hash-file';
import type { MatchingSettings } from '../../lib/matching';
import { correctPayload } from '../../lib/corrections';
import { processBatch, resendErrorPayload, type BatchSummary, type ProcessorSettings } from '../../lib/processing';
import { resendByKey } from '../../lib/resend';
import { claimBatches, claimErrorPayloads, errorPayloadRows, markErrorPayloadReady, getBatch, getErrorPayload, openStore, registerBatch, type BatchRow, type KeyMapRow, type Store } from '../../lib/store';
import { makeFolders, settingsFor, type Folders } from '../support/batch-fixture';
import { CustomerRecordsApi } from '../support/customer-records-api';
import { describeEachDatabase, freshDatabaseConfig } from '../support/stores';

const OWNER = 'runtime-resend';
const ROWS = 8;
/** The records the API loses: customer numbers and their rows in the delivered file. */
const LOST = [2, 5, 7];

const MATCHING: MatchingSettings = {
  keyColumns: ['customerNo'],
  create: { method: 'POST', pathTemplate: '/customers' },
  update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
  targetKey: { from: 'body', evaluate: async (body) => (body as { id?: unknown }).id },
  onUpdateNotFound: 'report',
};

const customerNo = (i: number) => `C-${String(i).padStart(3, '0')}`;

function customersCsv(): string {
  const lines = ['customerNo,name,city'];
  for (let i = 1; i <= ROWS; i += 1) lines.push(`${customerNo(i)},Customer ${i},Town ${i % 3}`);
  return `${lines.join('\n')}\n`;
}

describeEachDatabase('resend after an upsert', (kind) => {
  let store: Store;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    folders = makeFolders();
  });
  after(async () => {
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  async function withApi(test: (api: CustomerRecordsApi, client: ApiClient) => Promise<void>): Promise<void> {
    const api = await CustomerRecordsApi.start();
    const client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    try {
      await test(api, client);
    } finally {
      await client.close();
      await api.stop();
    }
  }

  const settings = (onUpdateNotFound: MatchingSettings['onUpdateNotFound']): ProcessorSettings =>
    settingsFor(folders, { matching: { ...MATCHING, onUpdateNotFound }, windowRows: 3, concurrency: 2 });

  async function processParked(client: ApiClient, parked: BatchRow, processing: ProcessorSettings): Promise<BatchSummary> {
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parked.group_type, groupId: parked.group_id ?? undefined });
    assert.equal(claimed?.id, parked.id, `batch ${parked.id} is claimed`);
    return processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, processing);
  }

  /** Parks the file with its true sha256 (the resend checks it), and delivers it with key matching. */
  async function upsertFile(client: ApiClient, groupType: string, fileName: string): Promise<BatchRow> {
    const filePath = path.join(folders.processing, fileName);
    fs.writeFileSync(filePath, customersCsv());
    const { sha256, size } = await hashFile(filePath);
    const parked = await registerBatch(store, { groupType, groupId: fileName, kind: 'file', fileName, folder: folders.processing, sha256, size, actor: 'test' });
    const summary = await processParked(client, parked, settings('report'));
    assert.deepEqual([summary.status, summary.succeededRows, summary.skippedRows], ['PROCESSED', ROWS, 0]);
    return getBatch(store, parked.id);
  }

  async function keyMap(groupType: string): Promise<Map<string, KeyMapRow>> {
    const rows = (await store.knex(store.tables.keyMap).where('group_type', groupType)) as KeyMapRow[];
    return new Map(rows.map((row) => [JSON.parse(row.source_key).customerNo as string, { ...row, batch_id: Number(row.batch_id), row_number: Number(row.row_number) }]));
  }

  /** The API loses the records, and with them its memory of the creates that made them. */
  function lose(api: CustomerRecordsApi, mapped: Map<string, KeyMapRow>): string[] {
    const ids = LOST.map((i) => mapped.get(customerNo(i))!.target_key!);
    for (const id of ids) {
      assert.ok(api.records.delete(id), `the API held record ${id}`);
      for (const [key, created] of api.createdByKey) if (created === id) api.createdByKey.delete(key);
    }
    return ids;
  }

  async function resendLost(groupType: string, origin: BatchRow): Promise<BatchRow> {
    const answer = await resendByKey(store, {
      groupType,
      sourceKeys: LOST.map(customerNo),
      keyColumn: 'customerNo',
      processingFolder: folders.processing,
      actor: 'admin',
      reason: 'the CRM lost them',
    });
    assert.deepEqual(answer.refused, []);
    assert.equal(answer.resent.length, 1, 'one replay batch: every latest version came from one batch');
    const [resent] = answer.resent;
    assert.deepEqual([resent.batch.status, resent.batch.parent_batch_id, resent.rows], ['RETRY', origin.id, LOST.length]);
    assert.deepEqual(resent.sourceKeys, LOST.map((i) => ({ customerNo: customerNo(i) })));
    return resent.batch;
  }

  it("with 'recreate': the lost records are created again, each under a re-create key of its row, and the new ids mapped", () =>
    withApi(async (api, client) => {
      const origin = await upsertFile(client, 'customers-recreate', 'recreate.csv');
      const mapped = await keyMap('customers-recreate');
      assert.equal(mapped.size, ROWS);
      // What key matching wrote: each row's number in the file of its batch, the one resend reads back.
      for (let i = 1; i <= ROWS; i += 1) assert.deepEqual([mapped.get(customerNo(i))!.batch_id, mapped.get(customerNo(i))!.row_number], [origin.id, i]);
      const lostIds = lose(api, mapped);

      const replay = await resendLost('customers-recreate', origin);
      const sentBefore = api.server.requests.length;
      const summary = await processParked(client, replay, settings('recreate'));
      assert.deepEqual([summary.status, summary.totalRows, summary.succeededRows, summary.failedRows, summary.skippedRows], ['PROCESSED', 3, 3, 0, 0]);

      const sent = api.server.requests.slice(sentBefore);
      // Unchanged content, yet sent: a replay never skips. Each update finds the record gone, then creates it.
      assert.deepEqual(sent.filter((r) => r.method === 'PUT').map((r) => r.path).sort(), lostIds.map((id) => `/customers/${id}`).sort());
      const creates = sent.filter((r) => r.method === 'POST');
      assert.equal(creates.length, 3);
      assert.equal(sent.length, 6, 'nothing else was sent');
      // A re-create is a new operation: a key of its own, naming the row and the deleted record (the row's
      // own key would be answered with the record the target deleted).
      const recreateKeys = creates.map((r) => String(r.headers['idempotency-key']));
      for (const i of LOST) assert.equal(recreateKeys.filter((key) => new RegExp(`^bsync-${origin.id}-${i}-recreate-[0-9a-f]{12}$`).test(key)).length, 1, `row ${i}`);
      assert.deepEqual(
        creates.map((r) => JSON.parse(r.body)).sort((a, b) => a.customerNo.localeCompare(b.customerNo)),
        LOST.map((i) => ({ customerNo: customerNo(i), name: `Customer ${i}`, city: `Town ${i % 3}` })),
        'the values as they were delivered',
      );
      assert.equal(api.records.size, ROWS, 'each lost record exists once again');

      const remapped = await keyMap('customers-recreate');
      for (const [index, i] of LOST.entries()) {
        const row = remapped.get(customerNo(i))!;
        const newId = api.idOf('customerNo', customerNo(i));
        assert.ok(newId !== undefined && !lostIds.includes(newId), `${customerNo(i)} has a new record`);
        assert.equal(row.target_key, newId);
        assert.equal(row.content_hash, mapped.get(customerNo(i))!.content_hash, 'the same content');
        // The replay's own file now holds the latest version: row index+1 of the replay batch.
        assert.deepEqual([row.batch_id, row.row_number], [replay.id, index + 1]);
      }
      for (let i = 1; i <= ROWS; i += 1) if (!LOST.includes(i)) assert.deepEqual(remapped.get(customerNo(i)), mapped.get(customerNo(i)), `${customerNo(i)} untouched`);

      // A second loss of one of them: resent from the replay's file, under the key of its origin row still.
      const again = await resendByKey(store, { groupType: 'customers-recreate', sourceKeys: [customerNo(5)], keyColumn: 'customerNo', processingFolder: folders.processing, actor: 'admin' });
      assert.deepEqual(again.refused, []);
      assert.deepEqual([again.resent.length, again.resent[0].parent.id, again.resent[0].rows], [1, replay.id, 1]);
      const sentAgain = api.server.requests.length;
      const againSummary = await processParked(client, again.resent[0].batch, settings('recreate'));
      assert.deepEqual([againSummary.status, againSummary.succeededRows], ['PROCESSED', 1]);
      const update = api.server.requests.slice(sentAgain);
      assert.deepEqual(
        update.map((r) => [r.method, r.path, r.headers['idempotency-key']]),
        [['PUT', `/customers/${remapped.get(customerNo(5))!.target_key}`, `bsync-${origin.id}-5`]],
      );
    }));

  it("with 'report': the lost records are error payloads saying the target deleted them, nothing created", () =>
    withApi(async (api, client) => {
      const origin = await upsertFile(client, 'customers-report', 'report.csv');
      const mapped = await keyMap('customers-report');
      const lostIds = lose(api, mapped);

      const replay = await resendLost('customers-report', origin);
      const sentBefore = api.server.requests.length;
      const summary = await processParked(client, replay, settings('report'));
      assert.deepEqual([summary.status, summary.totalRows, summary.succeededRows, summary.failedRows, summary.skippedRows], ['FAILED', 3, 0, 3, 0]);
      const sent = api.server.requests.slice(sentBefore);
      assert.deepEqual(sent.map((r) => r.method), ['PUT', 'PUT', 'PUT'], 'updates only: nothing created');
      assert.equal(api.records.size, ROWS - LOST.length);

      const failed = await errorPayloadRows(store, replay.id);
      assert.deepEqual([...failed.keys()].sort(), [1, 2, 3]);
      for (const [index, i] of LOST.entries()) {
        const payload = await getErrorPayload(store, failed.get(index + 1)!.id);
        assert.equal(payload.error_kind, 'permanent');
        assert.equal(payload.http_status, 404);
        assert.equal(payload.idempotency_key, `bsync-${origin.id}-${i}`, 'the key of the origin row');
        assert.match(payload.error ?? '', new RegExp(`the target deleted the record ${lostIds[index]} of source key .*${customerNo(i)}`));
      }
      assert.deepEqual(await keyMap('customers-report'), mapped, 'the key map is unchanged');
    }));

  it('a row last delivered as a corrected error payload is refused, not resent with the values before the correction', () =>
    withApi(async (api, client) => {
      const fileName = 'corrected.csv';
      const filePath = path.join(folders.processing, fileName);
      fs.writeFileSync(filePath, customersCsv());
      const { sha256, size } = await hashFile(filePath);
      const parked = await registerBatch(store, { groupType: 'customers-corrected', groupId: fileName, kind: 'file', fileName, folder: folders.processing, sha256, size, actor: 'test' });
      api.refuseCreate = (body) => (body.customerNo === customerNo(3) ? { status: 422, body: { message: 'city unknown' } } : undefined);
      const summary = await processParked(client, parked, settings('report'));
      assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', ROWS - 1, 1]);
      api.refuseCreate = undefined;

      const failed = (await errorPayloadRows(store, parked.id)).get(3)!;
      const fixed = { customerNo: customerNo(3), name: 'Customer 3', city: 'Fixed Town' };
      await correctPayload(store, { id: failed.id, payload: fixed, actor: 'admin' });
      await markErrorPayloadReady(store, { id: failed.id, actor: 'admin' });
      const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupId: fileName });
      assert.equal(claimed?.id, failed.id);
      assert.equal((await resendErrorPayload({ store, client, owner: OWNER }, claimed, settings('report'))).status, 'RESOLVED');
      const id = api.idOf('customerNo', customerNo(3))!;
      assert.equal(api.records.get(id)!.body.city, 'Fixed Town');
      const mapped = (await keyMap('customers-corrected')).get(customerNo(3))!;
      assert.deepEqual([mapped.target_key, mapped.batch_id, mapped.row_number], [id, parked.id, 3], 'mapped to the row the correction replaced');

      api.records.delete(id);
      const answer = await resendByKey(store, { groupType: 'customers-corrected', sourceKeys: [customerNo(3), customerNo(4)], keyColumn: 'customerNo', processingFolder: folders.processing, actor: 'admin' });
      // The file's row 3 still says Town 0: sending it would undo the correction without a word.
      assert.deepEqual(answer.refused.map((refusal) => refusal.sourceKey), [{ customerNo: customerNo(3) }]);
      assert.match(answer.refused[0].reason, new RegExp(`corrected in error payload ${failed.id}`));
      assert.deepEqual(answer.resent.map((resent) => resent.sourceKeys), [[{ customerNo: customerNo(4) }]], 'the other key is still parked');
    }));

  it("with 'recreate', an API that still knows the first create's Idempotency-Key creates the record again: the re-create has a key of its own", () =>
    withApi(async (api, client) => {
      const origin = await upsertFile(client, 'customers-remembered', 'remembered.csv');
      const mapped = await keyMap('customers-remembered');
      // The records are gone, but the API still answers a create under a key it saw with the id it gave then.
      const lostIds = LOST.map((i) => mapped.get(customerNo(i))!.target_key!);
      for (const id of lostIds) api.records.delete(id);

      const replay = await resendLost('customers-remembered', origin);
      const summary = await processParked(client, replay, settings('recreate'));
      assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['PROCESSED', 3, 0]);
      assert.equal(api.records.size, ROWS, 'each lost record exists again');
      for (const i of LOST) assert.ok(!lostIds.includes(api.idOf('customerNo', customerNo(i))!), `${customerNo(i)} has a new id`);
    }));

  it("with 'recreate', an API that answers the re-create with the deleted record's id: reported, not counted delivered", () =>
    withApi(async (api, client) => {
      const origin = await upsertFile(client, 'customers-stale', 'stale.csv');
      const mapped = await keyMap('customers-stale');
      const lostIds = lose(api, mapped);
      // A broken API: it "creates" by answering the id the customer number had before, and keeps nothing.
      api.refuseCreate = (body) => {
        const id = mapped.get(String(body.customerNo))?.target_key;
        return id ? { status: 201, headers: { location: `/customers/${id}` }, body: { ...body, id: Number(id) } } : undefined;
      };

      const replay = await resendLost('customers-stale', origin);
      const summary = await processParked(client, replay, settings('recreate'));
      assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 0, 3]);
      assert.equal(api.records.size, ROWS - LOST.length, 'the API created nothing');
      const failed = await errorPayloadRows(store, replay.id);
      for (const [index, i] of LOST.entries()) {
        const payload = await getErrorPayload(store, failed.get(index + 1)!.id);
        assert.equal(payload.idempotency_key, `bsync-${origin.id}-${i}`);
        assert.match(payload.error ?? '', new RegExp(`answered its re-create \\(Idempotency-Key bsync-${origin.id}-${i}-recreate-[0-9a-f]{12}\\) with the id of the deleted record`));
      }
      assert.deepEqual(await keyMap('customers-stale'), mapped, 'no mapping to a deleted record is written');
    }));
});
