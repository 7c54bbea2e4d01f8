import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { exportFailedRows, replayFailedRows } from '../../../lib/corrections';
import { readCsvRows } from '../../../lib/csv';
import type { Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';
import { failedBatch } from './failed-batch';

const FORMULAS = ['=SUM(A1:A9)', '+31 6 12345678', '-42', '@cmd', '\tTAB', "'quoted"];

async function valuesOf(file: string, column: string): Promise<string[]> {
  const values: string[] = [];
  for await (const row of readCsvRows(file)) values.push(row.record[column]);
  return values;
}

describeEachDatabase('formula cells in replay files and exports', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('an export shows formula cells as text, and a replay of it reads the original values back', async () => {
    const { batch, errorPayloads } = await failedBatch(store, {
      totalRows: FORMULAS.length,
      fileName: 'bank.csv',
      failures: FORMULAS.map((note, index) => ({ row: index + 1, record: { employeeNumber: String(1001 + index), note }, error: `=ERROR ${index}` })),
    });
    assert.deepEqual(
      errorPayloads.map((payload) => JSON.parse(payload.original_payload!).note),
      FORMULAS,
      'the error payload keeps the original value',
    );

    const exported = await exportFailedRows(store, { batchId: batch.id, actor: 'carol' });
    const lines = exported.csv.split('\r\n');
    assert.equal(lines[0], '\uFEFFemployeeNumber,note,bsync_row_number,bsync_error,bsync_quoted');
    assert.equal(lines[1], "1001,'=SUM(A1:A9),1,'=ERROR 0,yes");
    assert.equal(lines[3], "1003,'-42,3,'=ERROR 2,yes");
    assert.equal(lines[6], "1006,''quoted,6,'=ERROR 5,yes");
    const exportFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-formula-')), exported.fileName);
    fs.writeFileSync(exportFile, exported.csv);
    assert.deepEqual(await valuesOf(exportFile, 'note'), FORMULAS);

    const processing = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-formula-'));
    const replay = await replayFailedRows(store, { batchId: batch.id, processingFolder: processing, actor: 'bob' });
    const replayFile = path.join(processing, replay.batch.file_name!);
    assert.ok(fs.readFileSync(replayFile, 'utf8').includes("'=SUM(A1:A9)"));
    assert.deepEqual(await valuesOf(replayFile, 'note'), FORMULAS, 'a replay sends each value as it was read');
  });
});
