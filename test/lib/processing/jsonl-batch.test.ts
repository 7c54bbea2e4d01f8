// A JSON Lines batch through the row-processor's core: types and nulls kept, a bad line fails its row
// only, a JSON Lines error file, and its replay keeps each row's idempotency key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, type ProcessorSettings } from '../../../lib/processing';
import { claimBatches, failedRowsOf, getBatch, openStore, registerBatch, type BatchRow, type ErrorPayloadRow, type Store } from '../../../lib/store';
import { compileRowSchema } from '../../../lib/validation';
import { makeFolders, parkAndClaim, settingsFor, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';

const ROW_SCHEMA = JSON.stringify({
  type: 'object',
  required: ['employeeNumber', 'amount'],
  properties: { employeeNumber: { type: 'integer' }, amount: { type: 'number' }, bonus: { type: ['number', 'null'] } },
});

// Physical lines; the blank one is skipped and not counted, so the last line is row 5.
const LINES = [
  '{"employeeNumber":1001,"amount":1234.5,"bonus":null,"address":{"city":"Köln","zip":"50667"},"tags":["a",{"b":false}]}',
  '{"employeeNumber":1002,"amount":0,"bonus":12,"address":null}',
  '{"employeeNumber":1003,"amount":',
  '{"employeeNumber":"1004","amount":10}',
  '',
  '{"employeeNumber":1005,"amount":-3.25,"bonus":null,"note":"say \\"hi\\"\\u0000"}',
];

async function errorPayloadsOf(store: Store, batchId: number): Promise<ErrorPayloadRow[]> {
  const rows: ErrorPayloadRow[] = [];
  for await (const row of failedRowsOf(store, batchId)) rows.push(row);
  return rows.sort((a, b) => a.row_number - b.row_number);
}

function jsonLines(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

describeEachDatabase('processBatch, JSON Lines', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start();
    server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
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
    // The node gives both: the compiled (CSV, coercing) validator and the schema text.
    return settingsFor(folders, { request: { method: 'POST', pathTemplate: '/employees/{employeeNumber}/payments' }, rowSchema: ROW_SCHEMA, validator: compileRowSchema(ROW_SCHEMA), windowRows: 2 });
  }

  function run(batch: BatchRow) {
    return processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, batch, settings());
  }

  let failedBatch: BatchRow;

  it('sends each good row as its line, types and nulls kept; a bad line and a schema failure fail their rows only', async () => {
    fs.writeFileSync(path.join(folders.processing, 'pay.jsonl'), `${LINES.join('\n')}\n`);
    const batch = await parkAndClaim(store, folders, 'pay.jsonl');
    assert.equal(batch.format, 'jsonl');
    const summary = await run(batch);

    assert.equal(summary.status, 'FAILED');
    assert.deepEqual([summary.totalRows, summary.processedRows, summary.succeededRows, summary.failedRows], [5, 5, 3, 2]);
    const sent = server.requests.map((request) => [request.headers['idempotency-key'], request.path, request.body]).sort();
    assert.deepEqual(sent, [
      [`bsync-${batch.id}-1`, '/employees/1001/payments', LINES[0]],
      [`bsync-${batch.id}-2`, '/employees/1002/payments', LINES[1]],
      [`bsync-${batch.id}-5`, '/employees/1005/payments', LINES[5]],
    ]);

    const failures = await errorPayloadsOf(store, batch.id);
    assert.deepEqual(
      failures.map((row) => [row.row_number, row.error_kind, row.idempotency_key, row.original_payload]),
      [
        [3, 'read', `bsync-${batch.id}-3`, JSON.stringify({ bsync_line: LINES[2] })],
        [4, 'validation', `bsync-${batch.id}-4`, LINES[3]],
      ],
    );
    assert.match(failures[0].error ?? '', /^the line is not valid JSON: /);
    // Text is not turned into a number for a JSON Lines row: "1004" fails `type: integer`.
    assert.match(failures[1].error ?? '', /employeeNumber/);

    failedBatch = await getBatch(store, batch.id);
    assert.equal(failedBatch.error_file, path.join(folders.failed, 'pay.errors.jsonl'));
    assert.ok(fs.existsSync(path.join(folders.failed, 'pay.jsonl')));
    assert.deepEqual(jsonLines(failedBatch.error_file!), [
      { bsync_line: LINES[2], bsync_row_number: 3, bsync_error: failures[0].error },
      { employeeNumber: '1004', amount: 10, bsync_row_number: 4, bsync_error: failures[1].error },
    ]);
  });

  it('replays the corrected error file: the rows go with their original keys and without the bsync keys', async () => {
    assert.ok(failedBatch, 'the first test made the failed batch');
    server.requests.length = 0;
    const [badLine, badRow] = jsonLines(failedBatch.error_file!);
    const corrected = [
      { ...badLine, bsync_line: '{"employeeNumber":1003,"amount":7.5,"bonus":null}' },
      { ...badRow, employeeNumber: 1004 },
      // A line added by hand without its origin row: its key cannot be known, so it is not sent.
      { employeeNumber: 1099, amount: 1 },
    ];
    const fileName = `pay.replay-${failedBatch.id}.jsonl`;
    fs.writeFileSync(path.join(folders.processing, fileName), corrected.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const replay = await registerBatch(store, {
      groupType: 'employee-bank-connections',
      groupId: fileName,
      kind: 'file',
      fileName,
      folder: folders.processing,
      sha256: 'a'.repeat(64),
      size: fs.statSync(path.join(folders.processing, fileName)).size,
      parentBatchId: failedBatch.id,
      status: 'RETRY',
      parkedUntil: Date.now(),
      actor: 'test',
    });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'employee-bank-connections', groupId: fileName });
    assert.equal(claimed?.id, replay.id);
    const summary = await run(claimed);

    assert.deepEqual([summary.totalRows, summary.succeededRows, summary.failedRows], [3, 2, 1]);
    const sent = server.requests.map((request) => [request.headers['idempotency-key'], request.path, request.body]).sort();
    assert.deepEqual(sent, [
      [`bsync-${failedBatch.id}-3`, '/employees/1003/payments', '{"employeeNumber":1003,"amount":7.5,"bonus":null}'],
      [`bsync-${failedBatch.id}-4`, '/employees/1004/payments', '{"employeeNumber":1004,"amount":10}'],
    ]);
    const [unkeyed] = await errorPayloadsOf(store, replay.id);
    assert.equal(unkeyed.error_kind, 'read');
    assert.equal(unkeyed.idempotency_key, `bsync-${replay.id}-3`);
    assert.match(unkeyed.error ?? '', /no bsync_row_number/);
  });
});
