import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { readCsvRows } from '../../../lib/csv';
import { ApiClient } from '../../../lib/delivery';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../../lib/processing';
import { compileRowSchema } from '../../../lib/validation';
import { claimBatches, claimErrorPayloads, getBatch, listEvents, registerBatch, rowState, type BatchRow, type Store, type StoreConfig } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { eventually } from '../../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';
import { openStore } from '../../../lib/store';

const OWNER = 'runtime-test';

function rows(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => employeeRow(from + i));
}

function keysSeen(server: TestHttpServer): string[] {
  return server.requests.map((request) => String(request.headers['idempotency-key']));
}

describeEachDatabase('processBatch', (kind) => {
  let config: StoreConfig;
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;

  before(async () => {
    config = await freshDatabaseConfig(kind);
    store = await openStore(config);
  });
  after(async () => {
    await store.close();
  });

  async function withServer(test: (folders: Folders) => Promise<void>, connections = 8): Promise<void> {
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections });
    try {
      await test(makeFolders());
    } finally {
      await client.close();
      await server.stop();
    }
  }

  function run(batch: BatchRow, settings: ProcessorSettings, signal = new AbortController().signal) {
    return processBatch({ store, client, owner: OWNER, signal }, batch, settings);
  }

  it('sends every row of a clean batch once, with its idempotency key, and archives the file', () =>
    withServer(async (folders) => {
      server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
      writeCsv(folders, 'clean.csv', [HEADER, ...rows(50)]);
      const batch = await parkAndClaim(store, folders, 'clean.csv');
      const summary = await run(batch, settingsFor(folders, { windowRows: 20 }));

      assert.equal(summary.status, 'PROCESSED');
      assert.deepEqual([summary.totalRows, summary.processedRows, summary.succeededRows, summary.failedRows], [50, 50, 50, 0]);
      const stored = await getBatch(store, batch.id);
      assert.equal(stored.status, 'PROCESSED');
      assert.equal(stored.checkpoint_row, 50);
      assert.equal(stored.lease_owner, null);
      assert.equal(stored.folder, folders.archive);
      assert.ok(fs.existsSync(path.join(folders.archive, 'clean.csv')));
      assert.equal(fs.existsSync(path.join(folders.processing, 'clean.csv')), false);

      assert.equal(server.requests.length, 50);
      assert.deepEqual(keysSeen(server).sort(), rows(50).map((_, i) => `bsync-${batch.id}-${i + 1}`).sort());
      const first = server.requests.find((request) => request.headers['idempotency-key'] === `bsync-${batch.id}-1`)!;
      assert.equal(first.path, '/employees/1001/bank-connections');
      assert.equal(first.method, 'POST');
      assert.equal(JSON.parse(first.body).iban, employeeRow(1).split(',')[1]);
      assert.equal(first.headers['content-type'], 'application/json');
      assert.deepEqual(await rowState(store, batch.id, 50), { state: 'succeeded' });
      const actions = (await listEvents(store, { entity: 'batch', entityId: batch.id })).map((event) => event.action);
      assert.deepEqual(actions, ['registered', 'claimed', 'processing', 'processed']);
    }));

  it('counts a batch mixing 2xx, 422 and 503 answers exactly, with error payloads and an error file', () =>
    withServer(async (folders) => {
      // Employee 1003 and 1007 are rejected; 1005 is "down" on every attempt; the rest succeed.
      server.respond((request) => {
        if (request.path.includes('/1003/') || request.path.includes('/1007/')) {
          return { status: 422, body: { errorCode: 'EMP_UNKNOWN', message: 'employee does not exist' } };
        }
        if (request.path.includes('/1005/')) return { status: 503, body: 'maintenance' };
        return { status: 200, body: { status: 'SUCCESS' } };
      });
      writeCsv(folders, 'mixed.csv', [HEADER, ...rows(10)]);
      const batch = await parkAndClaim(store, folders, 'mixed.csv');
      const summary = await run(batch, settingsFor(folders, { concurrency: 2, breakerThreshold: 50 }));

      assert.equal(summary.status, 'FAILED');
      assert.deepEqual([summary.processedRows, summary.succeededRows, summary.failedRows], [10, 7, 3]);
      const payloads = await store.knex(store.tables.errorPayload).where('batch_id', batch.id).orderBy('row_number');
      assert.deepEqual(
        payloads.map((p: Record<string, unknown>) => [p.row_number, p.error_kind, p.http_status, p.status, p.idempotency_key].map(String)),
        [
          ['3', 'permanent', '422', 'NEW', `bsync-${batch.id}-3`],
          ['5', 'transient', '503', 'NEW', `bsync-${batch.id}-5`],
          ['7', 'permanent', '422', 'NEW', `bsync-${batch.id}-7`],
        ],
      );
      assert.match(String(payloads[0].error), /EMP_UNKNOWN|employee does not exist/);
      assert.equal(JSON.parse(String(payloads[0].original_payload)).employeeNumber, '1003');
      assert.equal(server.requestsTo((r) => r.path.includes('/1005/')).length, 3, 'a transient failure is retried up to the attempts');
      assert.equal(server.requestsTo((r) => r.path.includes('/1003/')).length, 1, 'a permanent failure is not retried');
      const failedRow = await rowState(store, batch.id, 5);
      assert.equal(failedRow.state, 'failed');

      const stored = await getBatch(store, batch.id);
      assert.equal(stored.folder, folders.failed);
      assert.ok(stored.error_file && fs.existsSync(stored.error_file));
      assert.equal(path.basename(stored.error_file), 'mixed.errors.csv');
      const errorRows = [];
      for await (const row of readCsvRows(stored.error_file)) errorRows.push(row.record);
      assert.deepEqual(errorRows.map((r) => [r.employeeNumber, r.bsync_row_number]), [['1003', '3'], ['1005', '5'], ['1007', '7']]);
      assert.match(errorRows[1].bsync_error, /503/);
      assert.equal(errorRows[0].iban, employeeRow(3).split(',')[1], 'the original columns are kept for a fix and replay');
    }));

  it('gives two failed batches of the same file name their own error files', () =>
    withServer(async (folders) => {
      server.respond((request) => (request.path.includes('/1002/') ? { status: 422, body: {} } : { status: 200, body: {} }));
      const errorFiles: string[] = [];
      for (const day of [1, 2]) {
        writeCsv(folders, 'bank.csv', [HEADER, employeeRow(1), employeeRow(2)]);
        const batch = await parkAndClaim(store, folders, 'bank.csv');
        const summary = await run(batch, settingsFor(folders));
        assert.equal(summary.status, 'FAILED', `day ${day}`);
        errorFiles.push(String(summary.errorFile));
      }
      assert.notEqual(errorFiles[0], errorFiles[1]);
      assert.deepEqual(errorFiles.map((file) => path.basename(file)), ['bank.errors.csv', 'bank-1.errors.csv']);
      assert.ok(errorFiles.every((file) => fs.existsSync(file)));
      assert.deepEqual(fs.readdirSync(folders.failed).sort(), ['bank-1.csv', 'bank-1.errors.csv', 'bank.csv', 'bank.errors.csv']);
    }));

  it('waits as long as Retry-After says before trying a row again', () =>
    withServer(async (folders) => {
      server.script((r) => r.path.includes('/1001/'), { status: 429, headers: { 'Retry-After': '1' }, body: 'slow down' });
      writeCsv(folders, 'retry-after.csv', [HEADER, ...rows(1)]);
      const batch = await parkAndClaim(store, folders, 'retry-after.csv');
      const summary = await run(batch, settingsFor(folders));
      assert.equal(summary.status, 'PROCESSED');
      const attempts = server.requestsTo((r) => r.path.includes('/1001/'));
      assert.equal(attempts.length, 2);
      assert.ok(attempts[1].receivedAt - attempts[0].receivedAt >= 950, `waited ${attempts[1].receivedAt - attempts[0].receivedAt} ms`);
      assert.equal(attempts[0].headers['idempotency-key'], attempts[1].headers['idempotency-key']);
    }));

  it('re-parks the batch when the circuit breaker opens and completes it once the API is back', () =>
    withServer(async (folders) => {
      let down = true;
      server.respond(() => (down ? { status: 503, body: 'down' } : { status: 200, body: { status: 'SUCCESS' } }));
      writeCsv(folders, 'breaker.csv', [HEADER, ...rows(30)]);
      const batch = await parkAndClaim(store, folders, 'breaker.csv');
      const settings = settingsFor(folders, { concurrency: 1, breakerThreshold: 4, errorRetryDelayMs: 60_000 });
      const before = Date.now();
      const first = await run(batch, settings);

      assert.equal(first.status, 'ERROR_RETRY');
      const parked = await getBatch(store, batch.id);
      assert.equal(parked.status, 'ERROR_RETRY');
      assert.ok(parked.parked_until >= before + 60_000, 'parked with the delay, no hot loop');
      assert.equal(parked.lease_owner, null);
      assert.match(parked.error ?? '', /down/);
      assert.ok(server.requests.length <= 4, `stopped sending after the breaker opened (${server.requests.length} requests)`);
      const stored = await store.knex(store.tables.errorPayload).where('batch_id', batch.id);
      assert.equal(stored.length, 0, 'a downstream outage is not the rows\' fault: no error payloads');
      assert.equal(fs.existsSync(path.join(folders.processing, 'breaker.csv')), true, 'the file waits in processing');
      assert.equal((await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 5, groupType: 'employee-bank-connections' })).length, 0);

      down = false;
      const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'employee-bank-connections', now: parked.parked_until + 1 });
      assert.equal(again.id, batch.id);
      const second = await run(again, settings);
      assert.equal(second.status, 'PROCESSED');
      assert.equal(second.succeededRows, 30);
      const delivered = new Set(server.requests.filter((r) => r.index >= 0).map((r) => String(r.headers['idempotency-key'])));
      assert.equal(delivered.size, 30);
    }));

  it('never has more requests in flight than its concurrency', () =>
    withServer(async (folders) => {
      server.respond(() => ({ status: 200, body: {}, delayMs: 30 }));
      writeCsv(folders, 'concurrency.csv', [HEADER, ...rows(40)]);
      const batch = await parkAndClaim(store, folders, 'concurrency.csv');
      const summary = await run(batch, settingsFor(folders, { concurrency: 3 }));
      assert.equal(summary.status, 'PROCESSED');
      assert.ok(server.maxConcurrent <= 3, `max concurrent ${server.maxConcurrent}`);
      assert.ok(server.maxConcurrent >= 2, `rows are sent in parallel (${server.maxConcurrent})`);
    }));

  for (const [name, content, pattern] of [
    ['unclosed-quote.csv', `${HEADER}\n${employeeRow(1)}\n1002,"DE89,COBADEFF,100,1\n${employeeRow(3)}\n`, /line 3.*quote|quote.*line 3/i],
    ['wrong-header.csv', `employee,iban,bank\n1,2,3\n`, /employeeNumber/],
    ['empty.csv', '', /empty/i],
  ] as const) {
    it(`fails ${name} with a clear reason, sends nothing and leaves the file in place`, () =>
      withServer(async (folders) => {
        fs.writeFileSync(path.join(folders.processing, name), content);
        const batch = await parkAndClaim(store, folders, name);
        const summary = await run(batch, settingsFor(folders, { csv: { columns: HEADER.split(',') } }));
        assert.equal(summary.status, 'FAILED');
        assert.match(summary.error ?? '', pattern);
        assert.match(summary.error ?? '', new RegExp(name.replace('.', '\\.')));
        const stored = await getBatch(store, batch.id);
        assert.equal(stored.status, 'FAILED');
        assert.match(stored.error ?? '', pattern);
        assert.equal(server.requests.length, 0);
        assert.equal(fs.readFileSync(path.join(folders.processing, name), 'utf8'), content, 'the original is untouched');
      }));
  }

  it('fails a ragged row, a row against the schema and a row the mapping rejects, without sending them', () =>
    withServer(async (folders) => {
      writeCsv(folders, 'invalid.csv', [HEADER, employeeRow(1), '1002,DE89370400440532013000,COBADEFF', 'abc,XX,COBADEFF,100,1', employeeRow(4), employeeRow(5)]);
      const batch = await parkAndClaim(store, folders, 'invalid.csv');
      const schema = {
        type: 'object',
        required: ['employeeNumber', 'iban'],
        properties: { employeeNumber: { type: 'integer' }, iban: { type: 'string', pattern: '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' } },
      };
      const summary = await run(
        batch,
        settingsFor(folders, {
          validator: compileRowSchema(schema),
          rowSchema: JSON.stringify(schema),
          map: async (row) => {
            if (row.employeeNumber === 1005) throw new Error('no mapping for employee 1005');
            return { employeeNumber: row.employeeNumber, iban: row.iban };
          },
        }),
      );
      assert.equal(summary.status, 'FAILED');
      assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 3]);
      const payloads = await store.knex(store.tables.errorPayload).where('batch_id', batch.id).orderBy('row_number');
      assert.deepEqual(payloads.map((p: Record<string, unknown>) => [Number(p.row_number), p.error_kind]), [[2, 'validation'], [3, 'validation'], [5, 'mapping']]);
      assert.match(String(payloads[0].error), /3 fields.*header has 5/);
      assert.match(String(payloads[1].error), /column "employeeNumber": value "abc"/);
      assert.match(String(payloads[1].error), /column "iban"/);
      assert.match(String(payloads[2].error), /no mapping for employee 1005/);
      assert.deepEqual(server.requests.map((r) => r.path).sort(), ['/employees/1001/bank-connections', '/employees/1004/bank-connections']);
      assert.equal(JSON.parse(server.requests[0].body).employeeNumber, server.requests[0].path.includes('1001') ? 1001 : 1004, 'coerced and mapped');
      assert.equal((await getBatch(store, batch.id)).row_schema, JSON.stringify(schema));
    }));

  it('sends a single-payload batch as stored, with its content type', () =>
    withServer(async () => {
      const xml = '<employee><number>7</number></employee>';
      const registered = await registerBatch(store, { groupType: 'single-xml', kind: 'payload', payload: xml, contentType: 'application/xml', actor: 'test' });
      const [batch] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'single-xml' });
      assert.equal(batch.id, registered.id);
      const summary = await run(batch, settingsFor(makeFolders(), { request: { method: 'PUT', pathTemplate: '/payroll/import' } }));
      assert.equal(summary.status, 'PROCESSED');
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0].body, xml);
      assert.equal(server.requests[0].method, 'PUT');
      assert.equal(server.requests[0].headers['content-type'], 'application/xml');
      assert.equal(server.requests[0].headers['idempotency-key'], `bsync-${batch.id}-1`);
    }));

  it('resends a corrected row that had failed validation through the schema and the mapping', () =>
    withServer(async (folders) => {
      writeCsv(folders, 'correct.csv', [HEADER, 'abc,DE89370400440532013000,COBADEFF,100,1']);
      const batch = await parkAndClaim(store, folders, 'correct.csv');
      const schema = { type: 'object', required: ['employeeNumber'], properties: { employeeNumber: { type: 'integer' } } };
      const settings = settingsFor(folders, {
        validator: compileRowSchema(schema),
        map: async (row) => ({ id: row.employeeNumber, account: row.iban }),
      });
      assert.equal((await run(batch, settings)).status, 'FAILED');
      assert.equal(server.requests.length, 0);
      // The admin corrects the row and marks it READY; the errors-mode dispatcher claims it.
      await store.knex(store.tables.errorPayload).where('batch_id', batch.id).update({
        payload: JSON.stringify({ employeeNumber: '1001', iban: 'DE89370400440532013000', bankIdentifier: 'COBADEFF', branchIdentifier: '100', accountNumber: '1' }),
        status: 'READY',
      });
      const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1 });
      assert.equal(claimed.batch_id, batch.id);
      const settled = await resendErrorPayload({ store, client, owner: OWNER }, claimed, settings);
      assert.equal(settled.status, 'RESOLVED');
      assert.equal(server.requests.length, 1);
      assert.deepEqual(JSON.parse(server.requests[0].body), { id: 1001, account: 'DE89370400440532013000' }, 'validated (coerced) and mapped');
      assert.equal(server.requests[0].path, '/employees/1001/bank-connections');
      assert.equal(server.requests[0].headers['idempotency-key'], `bsync-${batch.id}-1`);
    }));

  it('finishes a batch whose runtime crashed mid-way with no row lost, re-sending only rows after the checkpoint', { timeout: 60_000 }, () =>
    withServer(async (folders) => {
      server.respond(() => ({ status: 200, body: { status: 'SUCCESS' }, delayMs: 15 }));
      writeCsv(folders, 'crash.csv', [HEADER, ...rows(80)]);
      const batch = await parkAndClaim(store, folders, 'crash.csv', 'runtime-crashing');
      const worker = spawn(
        process.execPath,
        [path.join(__dirname, '..', '..', 'support', 'process-worker.js'), JSON.stringify(config), JSON.stringify(folders), String(batch.id), 'runtime-crashing', server.url, '10'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      worker.stderr.on('data', (chunk) => (stderr += chunk));
      await eventually(async () => (await getBatch(store, batch.id)).checkpoint_row >= 30, `a checkpoint past row 30 (${stderr})`, 30_000);
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));

      const crashed = await getBatch(store, batch.id);
      assert.equal(crashed.status, 'PROCESSING');
      assert.equal(crashed.lease_owner, 'runtime-crashing');
      assert.ok(crashed.checkpoint_row < 80, 'killed before the end');
      const sentBeforeCrash = server.requests.length;
      assert.deepEqual(await rowState(store, batch.id, crashed.checkpoint_row + 1), { state: 'pending' });

      // Nobody can take it while the lease runs; once it has run out, another runtime claims it.
      assert.equal((await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'employee-bank-connections' })).length, 0);
      const [reclaimed] = await claimBatches(store, {
        owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'employee-bank-connections', now: crashed.lease_until! + 1,
      });
      assert.equal(reclaimed.id, batch.id);
      const summary = await run(reclaimed, settingsFor(folders, { windowRows: 10 }));

      assert.equal(summary.status, 'PROCESSED');
      assert.deepEqual([summary.processedRows, summary.succeededRows, summary.failedRows], [80, 80, 0]);
      const keys = keysSeen(server);
      const expected = rows(80).map((_, i) => `bsync-${batch.id}-${i + 1}`);
      assert.deepEqual([...new Set(keys)].sort(), [...expected].sort(), 'every row delivered, with its one key');
      const resent = server.requests.slice(sentBeforeCrash).map((r) => Number(String(r.headers['idempotency-key']).split('-').pop()));
      assert.ok(resent.every((row) => row > crashed.checkpoint_row), 'rows up to the checkpoint are not sent again');
      for (let row = 1; row <= crashed.checkpoint_row; row += 1) {
        assert.equal(keys.filter((key) => key === `bsync-${batch.id}-${row}`).length, 1, `row ${row} sent once`);
      }
      const actions = (await listEvents(store, { entity: 'batch', entityId: batch.id })).map((event) => event.action);
      assert.ok(actions.includes('lease-expired-reclaimed'));
    }));

  it('stops on close: no new rows, checkpoint written, batch re-parked to resume right away', () =>
    withServer(async (folders) => {
      server.respond(() => ({ status: 200, body: {}, delayMs: 20 }));
      writeCsv(folders, 'close.csv', [HEADER, ...rows(200)]);
      const batch = await parkAndClaim(store, folders, 'close.csv');
      const closing = new AbortController();
      const running = run(batch, settingsFor(folders, { concurrency: 2, windowRows: 5 }), closing.signal);
      await eventually(() => server.requests.length >= 20, '20 requests');
      closing.abort();
      const summary = await running;
      assert.equal(summary.status, 'ERROR_RETRY');
      const parked = await getBatch(store, batch.id);
      assert.equal(parked.status, 'ERROR_RETRY');
      assert.ok(parked.parked_until <= Date.now());
      assert.ok(parked.checkpoint_row >= 18 && parked.checkpoint_row < 200, `checkpoint ${parked.checkpoint_row}`);
      assert.ok(server.requests.length < 30, 'no new rows after close');
      assert.equal(parked.lease_owner, null);
    }));
});
