import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import {
  createJsonlErrorFileWriter,
  ERROR_FILE_ERROR_COLUMN,
  ERROR_FILE_LINE_COLUMN,
  ERROR_FILE_ROW_COLUMN,
  errorFileName,
  readJsonlRows,
  type JsonlRow,
} from '../../../lib/jsonl';
import { useTempDir } from '../csv/temp-dir';

const file = useTempDir('bsync-jsonl-errors-');

async function readAll(filePath: string): Promise<JsonlRow[]> {
  const rows: JsonlRow[] = [];
  for await (const row of readJsonlRows(filePath)) rows.push(row);
  return rows;
}

describe('createJsonlErrorFileWriter', () => {
  it('writes failed rows as JSON Lines with their types, row number and error; they read back the same', async () => {
    assert.equal(errorFileName('customers.jsonl'), 'customers.errors.jsonl');
    const filePath = file('customers.errors.jsonl');
    const writer = createJsonlErrorFileWriter(filePath);
    const record = { id: '9007199254740993', amount: '12.30', active: false, note: null, tags: { a: [1, 2] }, name: 'Ødegaard\n"东"' };
    await writer.write({ rowNumber: 4, record, error: 'HTTP 422: {"status":"INVALID"}' });
    await writer.write({ rowNumber: 9, line: '{"id": 12,', error: 'the line is not valid JSON' });
    assert.deepEqual(await writer.close(), { path: filePath, rows: 2 });
    assert.equal(fs.existsSync(`${filePath}.tmp`), false);

    const rows = await readAll(filePath);
    assert.deepEqual(rows[0].record, { ...record, [ERROR_FILE_ROW_COLUMN]: 4, [ERROR_FILE_ERROR_COLUMN]: 'HTTP 422: {"status":"INVALID"}' });
    assert.deepEqual(rows[1].record, { [ERROR_FILE_LINE_COLUMN]: '{"id": 12,', [ERROR_FILE_ROW_COLUMN]: 9, [ERROR_FILE_ERROR_COLUMN]: 'the line is not valid JSON' });
  });

  it('keeps the origin row number once when a replay batch fails again', async () => {
    const filePath = file('again.errors.jsonl');
    const writer = createJsonlErrorFileWriter(filePath);
    await writer.write({ rowNumber: 4, record: { id: 1, [ERROR_FILE_ROW_COLUMN]: 4, [ERROR_FILE_ERROR_COLUMN]: 'old reason' }, error: 'new reason' });
    await writer.close();
    const [row] = await readAll(filePath);
    assert.deepEqual(Object.keys(row.record ?? {}), ['id', ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN]);
    assert.equal(row.record?.[ERROR_FILE_ERROR_COLUMN], 'new reason');
  });

  it('leaves nothing under the final name when aborted', async () => {
    const filePath = file('aborted.errors.jsonl');
    const writer = createJsonlErrorFileWriter(filePath);
    await writer.write({ rowNumber: 1, record: { a: 1 }, error: 'x' });
    await writer.abort();
    assert.equal(fs.existsSync(filePath), false);
    assert.equal(fs.existsSync(`${filePath}.tmp`), false);
    await assert.rejects(writer.write({ rowNumber: 2, record: {}, error: 'y' }), /already aborted/);
  });
});
