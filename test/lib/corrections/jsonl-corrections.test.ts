// Corrections of a JSON Lines batch: replay as JSON Lines with types kept, export refused in plain words,
// corrections and resends checked with the row's JSON types (no CSV conversion), a bad line never resent
// uncorrected.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { correctPayload, CorrectionRefusedError, exportFailedRows, replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../../lib/processing';
import {
  claimBatches,
  claimErrorPayloads,
  failedRowsOf,
  markErrorPayloadReady,
  openStore,
  type BatchRow,
  type ErrorPayloadRow,
  type Store,
} from '../../../lib/store';
import { compileRowSchema } from '../../../lib/validation';
import { makeFolders, parkAndClaim, settingsFor, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';
const ROW_SCHEMA = JSON.stringify({ type: 'object', required: ['employeeNumber', 'amount'], properties: { employeeNumber: { type: 'integer' }, amount: { type: 'number' } } });
const LINES = ['{"employeeNumber":1001,"amount":1.5,"bonus":null,"address":{"zip":"01067"}}', '{"employeeNumber":1002,', '{"employeeNumber":"1003","amount":10,"tags":[1,null]}'];

async function errorPayloadsOf(store: Store, batchId: number): Promise<ErrorPayloadRow[]> {
  const rows: ErrorPayloadRow[] = [];
  for await (const row of failedRowsOf(store, batchId)) rows.push(row);
  return rows.sort((a, b) => a.row_number - b.row_number);
}

describeEachDatabase('corrections of a JSON Lines batch', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  function settings(): ProcessorSettings {
    return settingsFor(folders, { request: { method: 'POST', pathTemplate: '/employees/{employeeNumber}/payments' }, rowSchema: ROW_SCHEMA, validator: compileRowSchema(ROW_SCHEMA) });
  }

  async function failedJsonlBatch(fileName: string): Promise<BatchRow> {
    fs.writeFileSync(path.join(folders.processing, fileName), `${LINES.join('\n')}\n`);
    const batch = await parkAndClaim(store, folders, fileName);
    const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, batch, settings());
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 1, 2]);
    server.requests.length = 0;
    return batch;
  }

  async function resend(errorPayload: ErrorPayloadRow): Promise<ErrorPayloadRow> {
    await markErrorPayloadReady(store, { id: errorPayload.id, actor: 'admin' });
    const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1 });
    assert.equal(claimed?.id, errorPayload.id);
    return resendErrorPayload({ store, client, owner: OWNER }, claimed, settings());
  }

  it('replays the failed rows as a JSON Lines file with their types and origin rows; export says it is CSV only', async () => {
    const batch = await failedJsonlBatch('replay.jsonl');
    await assert.rejects(exportFailedRows(store, { batchId: batch.id, actor: 'admin' }), /is a JSON Lines batch: export is CSV only/);

    const replay = await replayFailedRows(store, { batchId: batch.id, processingFolder: folders.processing, actor: 'admin' });
    assert.equal(replay.rows, 2);
    assert.equal(replay.batch.format, 'jsonl');
    assert.equal(replay.batch.file_name, `replay.replay-${batch.id}.jsonl`);
    const written = fs.readFileSync(path.join(folders.processing, replay.batch.file_name!), 'utf8').split('\n');
    const [badLine, badRow] = await errorPayloadsOf(store, batch.id);
    assert.deepEqual(written, [
      JSON.stringify({ bsync_line: LINES[1], bsync_row_number: 2, bsync_error: badLine.error }),
      JSON.stringify({ employeeNumber: '1003', amount: 10, tags: [1, null], bsync_row_number: 3, bsync_error: badRow.error }),
      '',
    ]);

    // Run as it is, uncorrected: both rows fail again under their original keys, and nothing is sent.
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
    assert.equal(claimed?.id, replay.batch.id);
    const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settings());
    assert.deepEqual([summary.status, summary.totalRows, summary.failedRows], ['FAILED', 2, 2]);
    assert.equal(server.requests.length, 0);
    assert.deepEqual(
      (await errorPayloadsOf(store, replay.batch.id)).map((row) => [row.error_kind, row.idempotency_key]),
      [
        ['read', `bsync-${batch.id}-2`],
        ['validation', `bsync-${batch.id}-3`],
      ],
    );
  });

  it('checks corrections and resends with the JSON types as they are, and never resends a bad line uncorrected', async () => {
    const batch = await failedJsonlBatch('correct.jsonl');
    const [badLine, badRow] = await errorPayloadsOf(store, batch.id);

    // Resent uncorrected, "1003" is still text: a CSV row's conversion would have sent it as 1003.
    const again = await resend(badRow);
    assert.deepEqual([again.status, again.error_kind, server.requests.length], ['NEW', 'validation', 0]);
    assert.match(again.error ?? '', /employeeNumber/);

    const unread = await resend(badLine);
    assert.deepEqual([unread.status, unread.error_kind, server.requests.length], ['NEW', 'read', 0]);
    assert.match(unread.error ?? '', /^the line is not valid JSON: .*; correct the row before sending it again$/);
    const unreadTwice = await resend(unread);
    assert.equal(unreadTwice.error, unread.error, 'the hint is said once');

    await assert.rejects(correctPayload(store, { id: badRow.id, payload: { employeeNumber: '1003', amount: 10 }, actor: 'admin' }), CorrectionRefusedError);
    const corrected = await correctPayload(store, { id: badRow.id, payload: '{"employeeNumber":1003,"amount":10,"tags":[1,null]}', actor: 'admin' });
    assert.equal(corrected.payload, '{"employeeNumber":1003,"amount":10,"tags":[1,null]}');
    const line = await correctPayload(store, { id: badLine.id, payload: { employeeNumber: 1002, amount: 0 }, actor: 'admin' });

    assert.equal((await resend(corrected)).status, 'RESOLVED');
    assert.equal((await resend(line)).status, 'RESOLVED');
    assert.deepEqual(
      server.requests.map((request) => [request.headers['idempotency-key'], request.path, request.body]),
      [
        [`bsync-${batch.id}-3`, '/employees/1003/payments', '{"employeeNumber":1003,"amount":10,"tags":[1,null]}'],
        [`bsync-${batch.id}-2`, '/employees/1002/payments', '{"employeeNumber":1002,"amount":0}'],
      ],
    );
  });
});
