// A database table to the downstream API through the nodes: table-extract on a SQLite source parks JSON
// Lines batches, the scheduled-dispatcher claims them, the row-processor sends each row with its JSON
// types, and a row the schema refuses ends in a JSON Lines error file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, it } from 'node:test';
import knexFactory from 'knex';
import { failedRowsOf, getBatch, openStore, type ErrorPayloadRow } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import scheduledDispatcher from '../../nodes/scheduled-dispatcher/scheduled-dispatcher';
import sourceDatabase from '../../nodes/source-database/source-database';
import tableExtract from '../../nodes/table-extract/table-extract';
import { TestHttpServer } from '../support/http-server';
import { helper, loadFlow, unloadFlow } from '../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../support/stores';

const NODES = [batchStore, sourceDatabase, tableExtract, apiEndpoint, scheduledDispatcher, rowProcessor];

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'integer' }, name: { type: 'string', minLength: 1 }, amount: { type: ['number', 'null'] }, email: { type: ['string', 'null'] } },
});

describeEachDatabase('table extract to the API, end to end', (kind) => {
  let server: TestHttpServer | undefined;
  let root: string | undefined;
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('sends the extracted rows with their types and nulls, and keeps a refused row in a JSON Lines error file', { timeout: 60_000 }, async () => {
    server = await TestHttpServer.start({ respond: () => ({ status: 200, body: { status: 'SUCCESS' } }) });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-e2e-extract-'));
    const sourceFile = path.join(root, 'erp.sqlite');
    const source = knexFactory({ client: 'better-sqlite3', connection: { filename: sourceFile }, useNullAsDefault: true });
    try {
      await source.schema.createTable('customers', (t) => {
        t.integer('id').primary();
        t.string('name', 100).notNullable();
        t.double('amount').nullable();
        t.string('email', 100).nullable();
      });
      await source('customers').insert([
        { id: 1, name: 'Ada', amount: 12.5, email: null },
        { id: 2, name: 'Bo', amount: null, email: 'bo@example.org' },
        { id: 3, name: '', amount: 0, email: null },
        { id: 4, name: 'Cleo "C"', amount: -7, email: 'c@example.org' },
      ]);
    } finally {
      await source.destroy();
    }

    const config = await freshDatabaseConfig(kind);
    const storeNode =
      config.client === 'sqlite'
        ? { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.filename }
        : { id: 'store', type: 'batch-store', client: config.client, host: config.host, port: String(config.port), database: config.database };
    const credentials: Record<string, Record<string, string>> = config.client !== 'sqlite' ? { store: { user: config.user, password: config.password ?? '' } } : {};
    const folders = { processing: path.join(root, 'processing'), archive: path.join(root, 'archive'), failed: path.join(root, 'failed') };
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'extract' },
        storeNode,
        { id: 'src', type: 'source-database', client: 'sqlite', filename: sourceFile, poolMax: 2, queryTimeoutMs: 5000 },
        { id: 'api', type: 'api-endpoint', baseUrl: server.url, authType: 'none', timeout: '5000', connections: '4' },
        {
          id: 'extract', z: 'tab', type: 'table-extract', store: 'store', source: 'src', extract: 'customers-to-crm', readFrom: 'table',
          table: 'customers', columns: '', query: '', mode: 'full', keyColumns: 'id', lookbackSeconds: 0, rowsPerBatch: 100,
          pageSize: 2, groupType: 'customers', groupId: 'crm', folder: folders.processing, cron: '', timezone: '', wires: [['parked']],
        },
        { id: 'parked', type: 'helper', z: 'tab' },
        {
          id: 'dispatcher', type: 'scheduled-dispatcher', z: 'tab', store: 'store', mode: 'batches',
          cron: '*/1 * * * * *', groupType: 'customers', fetchSize: '5', maxInFlight: '1', leaseSeconds: '60', wires: [['processor'], []],
        },
        {
          id: 'processor', type: 'row-processor', z: 'tab', store: 'store', endpoint: 'api', method: 'PUT',
          pathTemplate: '/customers/{id}', schema: SCHEMA, mapping: '', successExpression: 'status = "SUCCESS"', concurrency: '2',
          maxAttempts: '2', baseDelayMs: '10', maxDelayMs: '50', archiveFolder: folders.archive, failedFolder: folders.failed,
          wires: [['complete'], ['failedRows']],
        },
        { id: 'complete', type: 'helper', z: 'tab' },
        { id: 'failedRows', type: 'helper', z: 'tab' },
      ],
      credentials,
    );
    const parked = new Promise<{ payload: { id: number; fileName: string; rows: number } }>((resolve) => helper.getNode('parked').once('input', resolve));
    const completed = new Promise<{ payload: Record<string, unknown> }>((resolve) => helper.getNode('complete').once('input', resolve));
    helper.getNode('extract').receive({ topic: 'extract' });

    const batch = (await parked).payload;
    assert.deepEqual([path.extname(batch.fileName), batch.rows], ['.jsonl', 4]);
    const summary = (await completed).payload;
    assert.equal(summary.batchId, batch.id);
    assert.deepEqual([summary.status, summary.totalRows, summary.succeededRows, summary.failedRows], ['FAILED', 4, 3, 1]);

    const sent = server.requests.map((request) => [request.method, request.path, request.headers['idempotency-key'], request.body]).sort();
    assert.deepEqual(sent, [
      ['PUT', '/customers/1', `bsync-${batch.id}-1`, '{"id":1,"name":"Ada","amount":12.5,"email":null}'],
      ['PUT', '/customers/2', `bsync-${batch.id}-2`, '{"id":2,"name":"Bo","amount":null,"email":"bo@example.org"}'],
      ['PUT', '/customers/4', `bsync-${batch.id}-4`, '{"id":4,"name":"Cleo \\"C\\"","amount":-7,"email":"c@example.org"}'],
    ]);

    const errorFile = String(summary.errorFile);
    assert.equal(path.dirname(errorFile), folders.failed);
    assert.match(path.basename(errorFile), /\.errors\.jsonl$/);
    const errorLines = fs.readFileSync(errorFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
    assert.equal(errorLines.length, 1);
    assert.deepEqual({ ...errorLines[0], bsync_error: undefined }, { id: 3, name: '', amount: 0, email: null, bsync_row_number: 3, bsync_error: undefined });
    assert.match(errorLines[0].bsync_error, /name/);

    const store = await openStore(config);
    try {
      const stored = await getBatch(store, batch.id);
      assert.deepEqual([stored.format, stored.status, stored.row_schema], ['jsonl', 'FAILED', SCHEMA]);
      const failures: ErrorPayloadRow[] = [];
      for await (const row of failedRowsOf(store, batch.id)) failures.push(row);
      assert.deepEqual(failures.map((row) => [row.row_number, row.error_kind, row.original_payload]), [[3, 'validation', '{"id":3,"name":"","amount":0,"email":null}']]);
    } finally {
      await store.close();
    }
  });
});
