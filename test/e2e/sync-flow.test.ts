// The whole shipped pattern in one Node-RED runtime: a file dropped in the inbound folder is parked,
// dispatched on the cron schedule, processed row by row against a loopback API and summarized.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, it } from 'node:test';
import { getBatch, openStore } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import filePersister from '../../nodes/file-persister/file-persister';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import rowProcessor from '../../nodes/row-processor/row-processor';
import scheduledDispatcher from '../../nodes/scheduled-dispatcher/scheduled-dispatcher';
import { employeeRow, HEADER, makeFolders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { helper, loadFlow, unloadFlow } from '../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../support/stores';

const NODES = [batchStore, apiEndpoint, filePersister, parkingLot, scheduledDispatcher, rowProcessor];

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['employeeNumber', 'iban'],
  properties: { employeeNumber: { type: 'integer', minimum: 1000 }, iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' } },
});

describeEachDatabase('sync flow, end to end', (kind) => {
  let server: TestHttpServer | undefined;
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
  });

  it('takes a dropped file through parking, dispatch and processing to a completion summary', { timeout: 60_000 }, async () => {
    server = await TestHttpServer.start({
      respond: (request) =>
        request.path.includes('/1007/')
          ? { status: 200, body: { status: 'ERROR', errorCode: 'IBAN_BLOCKED', message: 'bank account is blocked' } }
          : { status: 200, body: { status: 'SUCCESS' } },
    });
    const folders = makeFolders();
    const inbound = path.join(folders.root, 'inbound');
    fs.mkdirSync(inbound);
    const config = await freshDatabaseConfig(kind);
    const storeNode =
      config.client === 'sqlite'
        ? { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.filename }
        : { id: 'store', type: 'batch-store', client: config.client, host: config.host, port: String(config.port), database: config.database };
    const credentials: Record<string, Record<string, string>> = config.client !== 'sqlite' ? { store: { user: config.user, password: config.password ?? '' } } : {};
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'sync' },
        storeNode,
        { id: 'api', type: 'api-endpoint', baseUrl: server.url, authType: 'none', timeout: '5000', connections: '4' },
        {
          id: 'persister', type: 'file-persister', z: 'tab', x: 100, y: 100, store: 'store',
          inbound, processing: folders.processing, duplicates: path.join(folders.root, 'duplicates'),
          pattern: '*.csv', pollInterval: '0.2', stableTime: '0.2', groupType: 'employee-bank-connections', wires: [['parking']],
        },
        { id: 'parking', type: 'parking-lot', z: 'tab', x: 300, y: 100, store: 'store', groupType: 'employee-bank-connections', parkingMinutes: '0', wires: [['parked']] },
        { id: 'parked', type: 'helper', z: 'tab', x: 500, y: 100 },
        {
          id: 'dispatcher', type: 'scheduled-dispatcher', z: 'tab', x: 100, y: 200, store: 'store', mode: 'batches',
          cron: '*/1 * * * * *', groupType: 'employee-bank-connections', fetchSize: '5', maxInFlight: '2', leaseSeconds: '60',
          wires: [['processor'], []],
        },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 300, y: 200, store: 'store', endpoint: 'api', method: 'POST',
          pathTemplate: '/employees/{employeeNumber}/bank-connections', schema: SCHEMA, mapping: '{"employeeNumber": employeeNumber, "iban": iban}',
          successExpression: 'status = "SUCCESS"', concurrency: '3', maxAttempts: '2', baseDelayMs: '10', maxDelayMs: '50',
          archiveFolder: folders.archive, failedFolder: folders.failed, wires: [['complete'], ['failedRows']],
        },
        { id: 'complete', type: 'helper', z: 'tab', x: 500, y: 200 },
        { id: 'failedRows', type: 'helper', z: 'tab', x: 500, y: 250 },
      ],
      credentials,
    );
    const failedRows: Record<string, unknown>[] = [];
    helper.getNode('failedRows').on('input', (msg) => failedRows.push((msg as unknown as { payload: Record<string, unknown> }).payload));
    const parked = new Promise<{ payload: { id: number; status: string } }>((resolve) => helper.getNode('parked').once('input', resolve));
    const completed = new Promise<{ payload: Record<string, unknown> }>((resolve) => helper.getNode('complete').once('input', resolve));

    const lines = [HEADER, ...Array.from({ length: 20 }, (_, i) => employeeRow(i + 1))];
    lines[4] = '12,DE89370400440532013000,COBADEFF,100,1'; // row 4: employee number below the schema's minimum
    fs.writeFileSync(path.join(inbound, 'bank-connections.csv'), `${lines.join('\n')}\n`);

    const parkedMsg = await parked;
    assert.equal(parkedMsg.payload.status, 'NEW');
    const summary = (await completed).payload;
    assert.equal(summary.batchId, parkedMsg.payload.id);
    assert.equal(summary.status, 'FAILED');
    assert.deepEqual([summary.totalRows, summary.processedRows, summary.succeededRows, summary.failedRows], [20, 20, 18, 2]);
    assert.equal(summary.fileName, 'bank-connections.csv');
    assert.equal(path.basename(String(summary.errorFile)), 'bank-connections.errors.csv');

    assert.deepEqual(failedRows.map((row) => [row.rowNumber, row.errorKind]).sort(), [[4, 'validation'], [7, 'rejected']]);
    assert.match(String(failedRows.find((row) => row.rowNumber === 7)?.error), /IBAN_BLOCKED|blocked/);
    assert.equal(server.requests.length, 19, 'the invalid row is never sent');
    assert.equal(new Set(server.requests.map((r) => r.headers['idempotency-key'])).size, 19);
    assert.deepEqual(JSON.parse(server.requests[0].body), { employeeNumber: Number(server.requests[0].path.split('/')[2]), iban: JSON.parse(server.requests[0].body).iban });
    assert.ok(fs.existsSync(path.join(folders.failed, 'bank-connections.csv')), 'the file moved to the failed folder');
    assert.equal(fs.readdirSync(inbound).length, 0);

    const store = await openStore(config);
    try {
      const batch = await getBatch(store, parkedMsg.payload.id);
      assert.equal(batch.status, 'FAILED');
      assert.equal(batch.row_schema, SCHEMA);
    } finally {
      await store.close();
    }
  });
});
