import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { InvalidRequestError } from '../../../lib/errors';
import { batchFileName, runExtract, type ExtractSettings } from '../../../lib/extract';
import { LEFTOVER_GRACE_MS } from '../../../lib/extract/leftover-files';
import { openSource, SourceQueryError, type Source } from '../../../lib/source';
import { findWatermark, listEvents, openStore, resetWatermark, WatermarkMovedError, type Store, type StoreConfig } from '../../../lib/store';
import { describeEachSource, freshSource, type TestSource } from '../../support/sources';
import { freshDatabaseConfig } from '../../support/stores';
import { batchRecords, countBatchRows, createCustomers, filesIn, putCustomers, settings, tempFolder } from './extract-fixture';

const T1 = '2026-11-30T08:00:00.000001Z';
const T2 = '2026-11-30T09:15:30.25Z';
const T3 = '2026-11-30T10:00:00Z';

describeEachSource('runExtract', (kind) => {
  let source: TestSource;
  let reader: Source;
  let storeConfig: StoreConfig;
  let store: Store;
  let folder: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    source = await freshSource(kind);
    await createCustomers(source);
    reader = await openSource(source.config);
    storeConfig = await freshDatabaseConfig('sqlite');
    store = await openStore(storeConfig);
    folder = tempFolder();
    cleanups.push(async () => {
      await reader.close();
      await store.close();
      await source.close();
      fs.rmSync(folder, { recursive: true, force: true });
    });
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  const run = (extract: ExtractSettings) => runExtract({ source: reader, store, actor: 'test' }, extract);

  it('extracts every row first, then each changed row exactly once, also where rows share an updated_at at a page edge', async () => {
    // Three rows share T1; with pages of 2 the page edge falls between them.
    await putCustomers(source, [
      { id: 3, name: 'Cleo', updated_at: T1 },
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'Bo', updated_at: T1 },
      { id: 4, name: 'Dan', updated_at: T2 },
      { id: 5, name: 'Eve', updated_at: T2 },
    ]);
    const first = await run(settings(folder, { rowsPerBatch: 2 }));
    assert.equal(first.rows, 5);
    // At most 2 rows a batch: three batches, in order, each advancing the watermark.
    assert.deepEqual(first.batches.map((batch) => batch.status), ['NEW', 'NEW', 'NEW']);
    assert.deepEqual(first.batches.map((batch) => [batch.kind, batch.format, batch.group_type, batch.group_id]), Array(3).fill(['file', 'jsonl', 'customers', 'crm']));
    const firstRecords = (await Promise.all(first.batches.map(batchRecords))).map((records) => records.map((record) => record.id));
    assert.deepEqual(firstRecords, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(await batchRecords(first.batches[0]).then((records) => records[0]), { id: 1, name: 'Ada', updated_at: T1 });
    const watermark = await findWatermark(store, 'customers-to-crm');
    assert.deepEqual(watermark?.value, { updated_at: T2, id: 5 });
    assert.deepEqual(watermark?.columns, ['updated_at', 'id']);
    assert.equal(watermark?.batch_id, first.batches[2].id);
    assert.equal(watermark?.updated_by, 'test');

    const idle = await run(settings(folder));
    assert.deepEqual([idle.batches.length, idle.rows], [0, 0], 'nothing changed: nothing parked');

    // An update moves Bo behind the watermark; two inserts share T3 with it, across a page edge again.
    await putCustomers(source, [
      { id: 2, name: 'Bo (moved)', updated_at: T3 },
      { id: 7, name: 'Gus', updated_at: T3 },
      { id: 6, name: 'Fay', updated_at: T3 },
    ]);
    const second = await run(settings(folder));
    assert.equal(second.batches.length, 1);
    assert.deepEqual(await batchRecords(second.batches[0]), [
      { id: 2, name: 'Bo (moved)', updated_at: T3 },
      { id: 6, name: 'Fay', updated_at: T3 },
      { id: 7, name: 'Gus', updated_at: T3 },
    ]);
    assert.deepEqual((await findWatermark(store, 'customers-to-crm'))?.value, { updated_at: T3, id: 7 });
    assert.equal(await countBatchRows(store), 4);
    assert.ok(filesIn(folder).every((name) => name.endsWith('.jsonl')), `no part files left: ${filesIn(folder).join(', ')}`);
  });

  it('two runs of one extract at once park its rows once', async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'Bo', updated_at: T2 },
    ]);
    const results = await Promise.allSettled([run(settings(folder)), run(settings(folder))]);
    // Either the later run read after the first had parked (and found nothing new), or it read the same rows
    // and was refused when it came to move the watermark. Never two batches.
    const parked = results.flatMap((result) => (result.status === 'fulfilled' ? result.value.batches : []));
    assert.equal(parked.length, 1);
    for (const result of results) {
      if (result.status === 'rejected') assert.ok(result.reason instanceof WatermarkMovedError, String(result.reason));
    }
    assert.equal(await countBatchRows(store), 1);
    assert.equal(filesIn(folder).length, 1, 'a refused run removes its file');
  });

  it('full mode reads every row every time and keeps no watermark', async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'Bo', updated_at: T2 },
      { id: 3, name: 'Cleo', updated_at: T3 },
    ]);
    const full = settings(folder, { mode: 'full', keyColumns: ['id'], name: 'customers-full' });
    for (let round = 0; round < 2; round += 1) {
      const result = await run(full);
      assert.deepEqual((await batchRecords(result.batches[0])).map((record) => record.id), [1, 2, 3]);
    }
    assert.equal(await findWatermark(store, 'customers-full'), undefined);
  });

  it('a crash (SIGKILL) between writing the file and parking it parks nothing; the rerun extracts the same rows, one batch', { timeout: 60_000 }, async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'Bo', updated_at: T2 },
    ]);
    const extract = settings(folder);
    const worker = path.join(__dirname, '..', '..', 'support', 'extract-worker.js');
    const child = spawn(process.execPath, [worker, JSON.stringify(storeConfig), JSON.stringify(source.config), JSON.stringify(extract), 'kill'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const signal = await new Promise((resolve) => child.on('exit', (_code, killedBy) => resolve(killedBy)));
    assert.equal(signal, 'SIGKILL', output);
    assert.match(output, /written customers-to-crm-.*\.jsonl/);
    assert.equal(await countBatchRows(store), 0, 'the crash came before the commit: no batch');
    assert.equal(await findWatermark(store, 'customers-to-crm'), undefined, 'and no watermark');

    const rerun = await run(extract);
    assert.equal(rerun.batches.length, 1);
    assert.deepEqual((await batchRecords(rerun.batches[0])).map((record) => record.id), [1, 2]);
    assert.equal(await countBatchRows(store), 1);
    assert.deepEqual((await findWatermark(store, 'customers-to-crm'))?.value, { updated_at: T2, id: 2 });
    // Times read the same from every database: trailing zeros of the fraction are not written.
    assert.ok(!/\.\d*0Z/.test(JSON.stringify(await batchRecords(rerun.batches[0]))));
    // The crashed run's file is no batch's: the rerun, right after, leaves it (it could still be another
    // runtime's run about to park it), under a name no batch uses.
    const parked = rerun.batches[0].file_name!;
    const [leftover] = filesIn(folder).filter((name) => name !== parked);
    assert.match(leftover, /^customers-to-crm-[0-9a-f]{8}-\d{8}T\d{9}Z-1-[0-9a-f]{6}\.jsonl$/);
    assert.deepEqual(rerun.removedLeftovers, []);

    // Once nobody has written to it for the grace time, the next run of the extract removes it, and a part
    // file of its own a crash left while writing; never a parked file, another extract's files or the user's.
    const partLeftover = `${batchFileName('customers-to-crm', new Date('2026-11-30T07:00:00Z'), 1)}.part`;
    const others = [
      batchFileName('customers_to_crm', new Date('2026-11-30T07:00:00Z'), 1), // reads the same once made safe
      batchFileName('customers-to-crm-eu', new Date('2026-11-30T07:00:00Z'), 1),
      'customers-to-crm-notes.jsonl',
    ];
    for (const name of [partLeftover, ...others]) fs.writeFileSync(path.join(folder, name), '{"id":1}\n');
    const longAgo = new Date(Date.now() - LEFTOVER_GRACE_MS - 60_000);
    for (const name of filesIn(folder)) fs.utimesSync(path.join(folder, name), longAgo, longAgo);
    await putCustomers(source, [{ id: 3, name: 'Cleo', updated_at: T3 }]);
    const third = await run(extract);
    assert.deepEqual([...third.removedLeftovers].sort(), [leftover, partLeftover].sort());
    assert.deepEqual(filesIn(folder), [parked, third.batches[0].file_name!, ...others].sort());
    assert.deepEqual((await batchRecords(rerun.batches[0])).map((record) => record.id), [1, 2], 'the parked file is untouched');
  });

  it('a lookback re-reads an unchanged row within the window, with the same content', async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: '2026-11-30T08:00:00Z' },
      { id: 2, name: 'Bo', updated_at: '2026-11-30T09:55:00Z' },
      { id: 3, name: 'Cleo', updated_at: '2026-11-30T10:00:00Z' },
    ]);
    const withLookback = settings(folder, { lookbackSeconds: 600 });
    const first = await run(withLookback);
    const firstRecords = await batchRecords(first.batches[0]);
    assert.deepEqual(firstRecords.map((record) => record.id), [1, 2, 3]);
    await putCustomers(source, [{ id: 4, name: 'Dan', updated_at: '2026-11-30T10:05:00Z' }]);

    const second = await run(withLookback);
    const secondRecords = await batchRecords(second.batches[0]);
    // 10 minutes before the watermark (10:00): Bo (9:55) and Cleo again, unchanged; Ada (8:00) not; Dan is new.
    assert.deepEqual(secondRecords.map((record) => record.id), [2, 3, 4]);
    assert.deepEqual(secondRecords[0], firstRecords[1]);
    assert.deepEqual(secondRecords[1], firstRecords[2]);
    assert.deepEqual((await findWatermark(store, 'customers-to-crm'))?.value, { updated_at: '2026-11-30T10:05:00Z', id: 4 });
  });

  it('a reset watermark is recorded with who and the old value, and the next run reads every row again', async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'Bo', updated_at: T2 },
    ]);
    await run(settings(folder));
    const reset = await resetWatermark(store, { extract: 'customers-to-crm', actor: 'alice', reason: 'CRM lost its data' });
    assert.equal(reset.value, null);
    const [event] = await listEvents(store, { entity: 'watermark' as never, entityId: 'customers-to-crm' });
    assert.equal(event.action, 'watermark-reset');
    assert.equal(event.actor, 'alice');
    assert.deepEqual(JSON.parse(event.detail ?? '{}').before, { updated_at: T2, id: 2 });
    const again = await run(settings(folder));
    assert.deepEqual((await batchRecords(again.batches[0])).map((record) => record.id), [1, 2]);
  });

  it('a saved query gets the watermark as named bindings', async () => {
    await putCustomers(source, [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 2, name: 'hidden', updated_at: T1 },
      { id: 3, name: 'Cleo', updated_at: T2 },
    ]);
    // Strictly after the watermark's time, by the user's own condition: a row sharing that time with a
    // higher id is left out by the query (the keyset alone would take it), which shows the binding is used.
    const since = kind === 'postgres' ? 'cast(:updated_at as timestamptz)' : ':updated_at';
    const query = `select id, name, updated_at from customers where name <> 'hidden' and (${since} is null or updated_at > ${since})`;
    const extract = settings(folder, { table: undefined, query, name: 'customers-query' });
    const first = await run(extract);
    assert.deepEqual(await batchRecords(first.batches[0]), [
      { id: 1, name: 'Ada', updated_at: T1 },
      { id: 3, name: 'Cleo', updated_at: T2 },
    ]);
    await putCustomers(source, [
      { id: 4, name: 'Dan', updated_at: T2 },
      { id: 5, name: 'Eve', updated_at: T3 },
    ]);
    const second = await run(extract);
    assert.deepEqual((await batchRecords(second.batches[0])).map((record) => record.id), [5]);
  });

  it('refuses a table or column that does not exist, and SQL in a table or column name; nothing is parked', async () => {
    await putCustomers(source, [{ id: 1, name: 'Ada', updated_at: T1 }]);
    await assert.rejects(run(settings(folder, { table: 'clients' })), (error: unknown) => error instanceof SourceQueryError && /table or view clients does not exist/.test(error.message));
    await assert.rejects(run(settings(folder, { columns: 'id,name,updated_at,iban' })), (error: unknown) => error instanceof SourceQueryError && /column iban does not exist in customers/.test(error.message));
    await assert.rejects(run(settings(folder, { keyColumns: 'changed_at,id' })), /watermark column changed_at does not exist/);
    for (const table of ['customers; drop table customers', 'customers --', '"customers"', 'a.b.c', 'customers where 1=1']) {
      assert.throws(() => settings(folder, { table }), (error: unknown) => error instanceof SourceQueryError && /not a plain name|more than one dot/.test(error.message), table);
    }
    for (const columns of ['id,name from customers --', 'id, (select 1) as x', 'name"']) {
      assert.throws(() => settings(folder, { columns }), SourceQueryError, columns);
    }
    assert.throws(() => settings(folder, { keyColumns: 'updated_at desc' }), SourceQueryError);
    assert.throws(() => settings(folder, { query: 'select * from customers;', table: undefined }), InvalidRequestError);
    assert.equal(await countBatchRows(store), 0);
    assert.deepEqual(filesIn(folder), []);
    assert.equal(Number((await source.writer('customers').count({ count: '*' }))[0].count), 1, 'the table is still there');
  });

  it('reads through a read-only session: the source cannot be written through it', async () => {
    await assert.rejects(reader.knex('customers').insert({ id: 9, name: 'X', updated_at: source.time(T1) }), /read.?only|readonly|attempt to write/i);
    assert.equal(Number((await source.writer('customers').count({ count: '*' }))[0].count), 0);
  });
});
