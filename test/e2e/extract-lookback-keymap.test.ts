// Issue 13's "lookback with an unchanged row re-read but not sent twice": an incremental table extract with a
// lookback window parks JSON Lines batches; the row-processor matches them by the table's primary key against
// a loopback API that keeps its records. The second extract re-reads a row the window still covers though it
// did not change: it is in the batch file, but key matching skips it (skipped_rows), while the changed row is
// sent as an update to its target key; a record the API lost is resent from the JSON Lines file by its key (a
// number, as the table has it). SQLite, MariaDB and PostgreSQL as the source; the store is SQLite.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, it } from 'node:test';
import { ApiClient } from '../../lib/delivery';
import { runExtract } from '../../lib/extract';
import type { MatchingSettings } from '../../lib/matching';
import { recreateKey } from '../../lib/lineage';
import { processBatch, type BatchSummary } from '../../lib/processing';
import { resendByKey } from '../../lib/resend';
import { openSource, type Source } from '../../lib/source';
import { claimBatches, getBatch, openStore, type BatchRow, type KeyMapRow, type Store } from '../../lib/store';
import { makeFolders, settingsFor, type Folders } from '../support/batch-fixture';
import { CustomerRecordsApi } from '../support/customer-records-api';
import { describeEachSource, freshSource, type TestSource } from '../support/sources';
import { freshDatabaseConfig } from '../support/stores';
import { batchRecords, createCustomers, putCustomers, settings as extractSettings } from '../lib/extract/extract-fixture';

const OWNER = 'runtime-lookback';

const MATCHING: MatchingSettings = {
  // The table's primary key: the source key of each row.
  keyColumns: ['id'],
  create: { method: 'POST', pathTemplate: '/customers' },
  update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
  // The rows carry an `id` of their own (the source's), which the API's answer echoes: its id is in Location.
  targetKey: { from: 'location' },
  onUpdateNotFound: 'report',
};

describeEachSource('table extract with a lookback, matched by key', (kind) => {
  let source: TestSource;
  let reader: Source;
  let store: Store;
  let folders: Folders;
  let api: CustomerRecordsApi;
  let client: ApiClient;

  beforeEach(async () => {
    source = await freshSource(kind);
    await createCustomers(source);
    reader = await openSource(source.config);
    store = await openStore(await freshDatabaseConfig('sqlite'));
    folders = makeFolders();
    api = await CustomerRecordsApi.start();
    client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 2 });
  });
  afterEach(async () => {
    await client.close();
    await api.stop();
    await reader.close();
    await store.close();
    await source.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  const extract = () => runExtract({ source: reader, store, actor: 'test' }, extractSettings(folders.processing, { lookbackSeconds: 600 }));

  async function processParked(parked: BatchRow): Promise<BatchSummary> {
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'customers', groupId: 'crm' });
    assert.equal(claimed?.id, parked.id, 'the parked batch is the one claimed');
    return processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settingsFor(folders, { matching: MATCHING, windowRows: 2 }));
  }

  async function keyMap(): Promise<Map<number, KeyMapRow>> {
    const rows = (await store.knex(store.tables.keyMap).where('group_type', 'customers')) as KeyMapRow[];
    return new Map(rows.map((row) => [JSON.parse(row.source_key).id as number, { ...row, batch_id: Number(row.batch_id), row_number: Number(row.row_number) }]));
  }

  it('re-reads an unchanged row inside the lookback window but does not send it again; the changed row is an update; a resend by its number key re-creates a lost one', { timeout: 60_000 }, async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: '2026-11-30T08:00:00Z' },
      { id: 2, name: 'Bo', updated_at: '2026-11-30T09:55:00Z' },
      { id: 3, name: 'Cleo', updated_at: '2026-11-30T10:00:00Z' },
    ]);
    const first = await extract();
    assert.equal(first.batches.length, 1);
    assert.equal(first.batches[0].format, 'jsonl');
    const firstSummary = await processParked(first.batches[0]);
    assert.deepEqual([firstSummary.status, firstSummary.succeededRows, firstSummary.failedRows, firstSummary.skippedRows], ['PROCESSED', 3, 0, 0]);
    assert.deepEqual([api.requests('POST').length, api.requests('PUT').length, api.records.size], [3, 0, 3], 'run 1: every row created');
    const mappedFirst = await keyMap();
    assert.deepEqual([...mappedFirst.keys()].sort(), [1, 2, 3]);
    for (const [id, row] of mappedFirst) {
      assert.equal(row.target_key, api.idOf('id', id), `target key of row ${id}`);
      assert.equal(row.batch_id, first.batches[0].id);
    }

    // Cleo changes (her updated_at moves on); Bo stays as he was, but 09:55 is within 600 s of the watermark.
    await putCustomers(source, [{ id: 3, name: 'Cleo (married)', updated_at: '2026-11-30T10:05:00Z' }]);
    const sentBefore = api.server.requests.length;
    const second = await extract();
    assert.equal(second.batches.length, 1);
    const records = await batchRecords(second.batches[0]);
    // 10 minutes before the watermark (10:00): Bo again, unchanged; Ada (08:00) not; Cleo changed.
    assert.deepEqual(records.map((record) => record.id), [2, 3]);
    assert.deepEqual(records[0], { id: 2, name: 'Bo', updated_at: '2026-11-30T09:55:00Z' }, 'Bo is re-read as he was');

    const secondSummary = await processParked(second.batches[0]);
    assert.deepEqual(
      [secondSummary.status, secondSummary.processedRows, secondSummary.succeededRows, secondSummary.failedRows, secondSummary.skippedRows],
      ['PROCESSED', 2, 1, 0, 1],
    );
    assert.equal((await getBatch(store, second.batches[0].id)).skipped_rows, 1, 'the store counts the skipped row');
    const sent = api.server.requests.slice(sentBefore);
    assert.equal(sent.length, 1, 'only the changed row costs a request');
    const cleoId = mappedFirst.get(3)!.target_key!;
    assert.deepEqual(
      [sent[0].method, sent[0].path, sent[0].headers['idempotency-key']],
      ['PUT', `/customers/${cleoId}`, `bsync-${second.batches[0].id}-2`],
      'Cleo is updated at her target key, under the key of her row in the second batch',
    );
    assert.deepEqual(JSON.parse(sent[0].body), { id: 3, name: 'Cleo (married)', updated_at: '2026-11-30T10:05:00Z' });
    assert.equal(api.records.size, 3, 'no record created twice');
    assert.equal(api.records.get(cleoId)!.body.name, 'Cleo (married)');
    assert.equal(api.records.get(mappedFirst.get(2)!.target_key!)!.body.name, 'Bo');

    const mappedSecond = await keyMap();
    // Bo's latest delivered version is still row 2 of the first batch; Cleo's is row 2 of the second.
    assert.deepEqual([mappedSecond.get(2)!.batch_id, mappedSecond.get(2)!.row_number, mappedSecond.get(2)!.content_hash], [first.batches[0].id, 2, mappedFirst.get(2)!.content_hash]);
    assert.deepEqual([mappedSecond.get(3)!.batch_id, mappedSecond.get(3)!.row_number, mappedSecond.get(3)!.target_key], [second.batches[0].id, 2, cleoId]);
    assert.notEqual(mappedSecond.get(3)!.content_hash, mappedFirst.get(3)!.content_hash);

    // The API loses Bo (and its memory of his create): a resend by his key, a number as the table has it,
    // reads row 2 of the first batch's JSON Lines file back and re-creates him under his first key.
    const boId = mappedSecond.get(2)!.target_key!;
    api.records.delete(boId);
    for (const [key, id] of api.createdByKey) if (id === boId) api.createdByKey.delete(key);
    const textKey = await resendByKey(store, { groupType: 'customers', sourceKeys: ['2'], keyColumn: 'id', processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual([textKey.resent.length, textKey.refused.length], [0, 1], 'the text "2" is not the number 2');
    const answer = await resendByKey(store, { groupType: 'customers', sourceKeys: [2], keyColumn: 'id', processingFolder: folders.processing, actor: 'admin' });
    assert.deepEqual(answer.refused, []);
    assert.deepEqual([answer.resent.length, answer.resent[0].parent.id, answer.resent[0].batch.format, answer.resent[0].rows], [1, first.batches[0].id, 'jsonl', 1]);
    const sentBeforeResend = api.server.requests.length;
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'customers', groupId: 'crm' });
    assert.equal(claimed?.id, answer.resent[0].batch.id);
    const resendSummary = await processBatch(
      { store, client, owner: OWNER, signal: new AbortController().signal },
      claimed,
      settingsFor(folders, { matching: { ...MATCHING, onUpdateNotFound: 'recreate' } }),
    );
    assert.deepEqual([resendSummary.status, resendSummary.succeededRows, resendSummary.skippedRows], ['PROCESSED', 1, 0]);
    const resent = api.server.requests.slice(sentBeforeResend);
    assert.deepEqual(
      resent.map((r) => [r.method, r.path, r.headers['idempotency-key']]),
      [['PUT', `/customers/${boId}`, `bsync-${first.batches[0].id}-2`], ['POST', '/customers', recreateKey(`bsync-${first.batches[0].id}-2`, boId)]],
      'the update under the row key, the re-create of the deleted record under a key of its own',
    );
    assert.deepEqual(JSON.parse(resent[1].body), { id: 2, name: 'Bo', updated_at: '2026-11-30T09:55:00Z' }, 'types as extracted');
    const newBoId = api.idOf('id', 2)!;
    assert.notEqual(newBoId, boId);
    assert.equal((await keyMap()).get(2)!.target_key, newBoId);
  });
});
