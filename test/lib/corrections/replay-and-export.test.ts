import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { exportFailedRows, replayFailedRows } from '../../../lib/corrections';
import { parentBatchIdFromFileName, replayFileName } from '../../../lib/lineage';
import { readCsvRows } from '../../../lib/csv';
import { InvalidRequestError, InvalidTransitionError } from '../../../lib/errors';
import { discardErrorPayload, getBatch, listEvents, markErrorPayloadReady, registerBatch, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';
import { failedBatch } from './failed-batch';

function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-replay-'));
}

async function rowsOf(file: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for await (const row of readCsvRows(file)) rows.push(row.record);
  return rows;
}

it('names replay files after the batch they replay, and reads the batch back from the name', () => {
  assert.equal(replayFileName('bank.csv', 7), 'bank.replay-7.csv');
  assert.equal(replayFileName('bank.replay-7.csv', 9), 'bank.replay-9.csv');
  assert.equal(replayFileName(null, 3), 'batch-3.replay-3.csv');
  assert.equal(parentBatchIdFromFileName('bank.replay-7.csv'), 7);
  assert.equal(parentBatchIdFromFileName('bank.replay-7-2.csv'), 7, 'a free-name suffix keeps the link');
  assert.equal(parentBatchIdFromFileName('bank.csv'), undefined);
});

describeEachDatabase('replay and export of failed rows', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  const record = (row: number) => ({ employeeNumber: String(1000 + row), iban: `DE89 3704 ${row}`, note: row === 5 ? 'has, a comma' : '' });

  it('replays the NEW failed rows as a RETRY batch of their own file, with the origin row numbers, leaving the error file alone', async () => {
    const processing = tempFolder();
    const { batch: parent, errorPayloads } = await failedBatch(store, {
      totalRows: 9,
      fileName: 'bank.csv',
      failures: [3, 5, 7, 9].map((row) => ({ row, record: record(row), error: `row ${row} rejected` })),
    });
    await discardErrorPayload(store, { id: errorPayloads[2].id, reason: 'employee left', actor: 'alice' });
    await markErrorPayloadReady(store, { id: errorPayloads[3].id, actor: 'alice' });
    const errorFile = path.join(tempFolder(), 'bank.errors.csv');
    fs.writeFileSync(errorFile, 'untouched');

    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: processing, actor: 'bob', reason: 'payroll API fixed' });

    assert.equal(replay.rows, 2, 'discarded and READY rows are not replayed');
    assert.deepEqual(
      [replay.batch.status, replay.batch.parent_batch_id, replay.batch.kind, replay.batch.group_type, replay.batch.folder, replay.batch.file_name],
      ['RETRY', parent.id, 'file', parent.group_type, processing, `bank.replay-${parent.id}.csv`],
    );
    assert.ok(replay.batch.parked_until <= Date.now());
    const file = path.join(processing, replay.batch.file_name!);
    assert.equal(replay.batch.sha256?.length, 64);
    assert.equal(replay.batch.size, fs.statSync(file).size);
    assert.deepEqual(await rowsOf(file), [
      { employeeNumber: '1003', iban: 'DE89 3704 3', note: '', bsync_row_number: '3', bsync_error: 'row 3 rejected' },
      { employeeNumber: '1005', iban: 'DE89 3704 5', note: 'has, a comma', bsync_row_number: '5', bsync_error: 'row 5 rejected' },
    ]);
    assert.equal(fs.readFileSync(errorFile, 'utf8'), 'untouched');
    assert.deepEqual(fs.readdirSync(processing), [replay.batch.file_name], 'no temporary file left behind');

    const [replayed] = (await listEvents(store, { entity: 'batch', entityId: parent.id })).filter((e) => e.action === 'replayed');
    assert.equal(replayed.actor, 'bob');
    assert.deepEqual(JSON.parse(replayed.detail!).after, { replayBatchId: replay.batch.id, fileName: replay.batch.file_name, rows: 2 });
    assert.equal(JSON.parse(replayed.detail!).reason, 'payroll API fixed');
    const [registered] = await listEvents(store, { entity: 'batch', entityId: replay.batch.id });
    assert.deepEqual([registered.action, registered.to_status, registered.actor], ['registered', 'RETRY', 'bob']);
    assert.equal((await getBatch(store, parent.id)).status, 'FAILED');
  });

  it('refuses a second replay while the first has yet to run, and never overwrites a file of the same name', async () => {
    const processing = tempFolder();
    const { batch: parent } = await failedBatch(store, { totalRows: 2, fileName: 'twice.csv', failures: [{ row: 2, record: record(2) }] });
    fs.writeFileSync(path.join(processing, `twice.replay-${parent.id}.csv`), 'someone else');
    const first = await replayFailedRows(store, { batchId: parent.id, processingFolder: processing, actor: 'bob' });
    assert.equal(first.batch.file_name, `twice.replay-${parent.id}-1.csv`);
    assert.equal(fs.readFileSync(path.join(processing, `twice.replay-${parent.id}.csv`), 'utf8'), 'someone else');
    await assert.rejects(
      replayFailedRows(store, { batchId: parent.id, processingFolder: processing, actor: 'bob' }),
      new RegExp(`batch ${parent.id} already has a replay waiting to finish: batch ${first.batch.id} is RETRY`),
    );
    assert.equal(fs.readdirSync(processing).length, 2, 'the refused replay wrote no file');
  });

  it('refuses to replay a batch that is not FAILED, a single payload, or one without NEW rows', async () => {
    const processing = tempFolder();
    const done = await failedBatch(store, { totalRows: 1, failures: [] });
    await assert.rejects(
      replayFailedRows(store, { batchId: done.batch.id, processingFolder: processing, actor: 'bob' }),
      (error: Error) => error instanceof InvalidTransitionError && error.message === `batch ${done.batch.id} is PROCESSED: only a FAILED batch has failed rows to replay`,
    );
    const single = await registerBatch(store, { groupType: 'single', kind: 'payload', payload: '{}', actor: 'test' });
    await assert.rejects(replayFailedRows(store, { batchId: single.id, processingFolder: processing, actor: 'bob' }), /single payload/);
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 2, failures: [{ row: 1 }, { row: 2 }] });
    await markErrorPayloadReady(store, { id: errorPayloads[0].id, actor: 'a' });
    await markErrorPayloadReady(store, { id: errorPayloads[1].id, actor: 'a' });
    await assert.rejects(replayFailedRows(store, { batchId: batch.id, processingFolder: processing, actor: 'bob' }), InvalidRequestError);
    assert.deepEqual(fs.readdirSync(processing), []);
  });

  it('exports the NEW failed rows as CSV in the error file format, named for a re-import as a replay', async () => {
    const { batch, errorPayloads } = await failedBatch(store, {
      totalRows: 6,
      fileName: 'bank.csv',
      failures: [2, 5, 6].map((row) => ({ row, record: record(row), error: `"quoted" error ${row}` })),
    });
    await discardErrorPayload(store, { id: errorPayloads[2].id, reason: 'not ours', actor: 'alice' });
    const exported = await exportFailedRows(store, { batchId: batch.id, actor: 'carol', csv: { delimiter: ';' } });
    assert.deepEqual([exported.parentBatchId, exported.fileName, exported.rows], [batch.id, `bank.replay-${batch.id}.csv`, 2]);
    const file = path.join(tempFolder(), exported.fileName);
    fs.writeFileSync(file, exported.csv);
    const rows = [];
    for await (const row of readCsvRows(file, { delimiter: ';' })) rows.push(row.record);
    assert.deepEqual(rows, [
      { employeeNumber: '1002', iban: 'DE89 3704 2', note: '', bsync_row_number: '2', bsync_error: '"quoted" error 2' },
      { employeeNumber: '1005', iban: 'DE89 3704 5', note: 'has, a comma', bsync_row_number: '5', bsync_error: '"quoted" error 5' },
    ]);
    const [event] = (await listEvents(store, { entity: 'batch', entityId: batch.id })).filter((e) => e.action === 'exported');
    assert.deepEqual([event.actor, JSON.parse(event.detail!).rows], ['carol', 2]);
  });

  it('exports a replay batch\'s rows with their origin row numbers, so a re-import keeps the idempotency keys', async () => {
    const { batch: origin } = await failedBatch(store, { totalRows: 8, failures: [{ row: 8, record: record(8) }] });
    const { batch: replay } = await failedBatch(store, {
      totalRows: 1, groupType: origin.group_type, parentBatchId: origin.id, failures: [{ row: 1, key: `bsync-${origin.id}-8`, record: record(8) }],
    });
    const exported = await exportFailedRows(store, { batchId: replay.id, actor: 'carol' });
    assert.match(exported.csv, /,8,row 1 rejected,yes\r\n$/);
    assert.ok(exported.csv.startsWith('\uFEFFemployeeNumber,'), 'UTF-8 with its byte order mark, so a re-import is read as UTF-8 whatever encoding is set');
  });
});
