import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import {
  createErrorFileWriter,
  ERROR_FILE_ERROR_COLUMN,
  ERROR_FILE_ROW_COLUMN,
  errorFileName,
  readCsvRows,
  scanCsv,
  type CsvRow,
} from '../../../lib/csv';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-error-file-');
const COLUMNS = ['employeeNumber', 'iban', 'bankIdentifier', 'branchIdentifier', 'accountNumber'];

async function readAll(filePath: string, options?: { delimiter?: string; quote?: string }): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(filePath, options)) rows.push(row);
  return rows;
}

describe('errorFileName', () => {
  it('puts .errors before the extension', () => {
    assert.equal(errorFileName('bank.csv'), 'bank.errors.csv');
    assert.equal(errorFileName('bank.2026-11-22.CSV'), 'bank.2026-11-22.errors.CSV');
    assert.equal(errorFileName('bank'), 'bank.errors.csv');
  });
});

describe('createErrorFileWriter', () => {
  it('writes the original columns plus row number and error, and reads back with the same values', async () => {
    const filePath = file('bank.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    const tricky = { employeeNumber: '1002', iban: 'DE89,3704', bankIdentifier: 'say "hi"', branchIdentifier: 'line one\r\nline two', accountNumber: 'Zürich 東京 ✓' };
    await writer.write({ rowNumber: 7, record: tricky, error: 'column "iban": value "DE89,3704" does not match the pattern ^[A-Z]{2}' });
    await writer.write({ rowNumber: 12, record: { employeeNumber: '1005', iban: 'NL91' }, error: 'HTTP 422: {"status":"INVALID","message":"bad\nthing"}' });
    assert.deepEqual(await writer.close(), { path: filePath, rows: 2 });

    assert.deepEqual((await scanCsv(filePath)).columns, [...COLUMNS, ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN]);
    const rows = await readAll(filePath);
    assert.deepEqual(rows[0].record, {
      ...tricky,
      [ERROR_FILE_ROW_COLUMN]: '7',
      [ERROR_FILE_ERROR_COLUMN]: 'column "iban": value "DE89,3704" does not match the pattern ^[A-Z]{2}',
    });
    assert.deepEqual(rows[1].record, {
      employeeNumber: '1005',
      iban: 'NL91',
      bankIdentifier: '',
      branchIdentifier: '',
      accountNumber: '',
      [ERROR_FILE_ROW_COLUMN]: '12',
      [ERROR_FILE_ERROR_COLUMN]: 'HTTP 422: {"status":"INVALID","message":"bad\nthing"}',
    });
    assert.ok(rows.every((row) => row.fieldCount === row.expectedFieldCount));
  });

  it('quotes with the given delimiter and quote character', async () => {
    const filePath = file('semicolon.errors.csv');
    const writer = createErrorFileWriter(filePath, ['a', 'b'], { delimiter: ';', quote: "'" });
    await writer.write({ rowNumber: 1, record: { a: "it's; fine", b: 'x,y' }, error: 'bad' });
    await writer.close();
    assert.match(fs.readFileSync(filePath, 'utf8'), /^\uFEFFa;b;bsync_row_number;bsync_error;bsync_quoted\r\n'it''s; fine';x,y;1;bad;yes\r\n$/);
    const [row] = await readAll(filePath, { delimiter: ';', quote: "'" });
    assert.equal(row.record.a, "it's; fine");
    assert.equal(row.record.b, 'x,y');
  });

  it('keeps the bsync columns once when the rows come from an error file (replay of a replay)', async () => {
    const filePath = file('replay.errors.csv');
    const writer = createErrorFileWriter(filePath, ['id', ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN]);
    await writer.write({ rowNumber: 41, record: { id: 'a', [ERROR_FILE_ROW_COLUMN]: '41', [ERROR_FILE_ERROR_COLUMN]: 'old' }, error: 'new' });
    await writer.close();
    const [row] = await readAll(filePath);
    assert.deepEqual(row.record, { id: 'a', [ERROR_FILE_ROW_COLUMN]: '41', [ERROR_FILE_ERROR_COLUMN]: 'new' });
  });

  it('writes to <path>.tmp and shows the final name only on close', async () => {
    const filePath = file('atomic.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    await writer.write({ rowNumber: 1, record: {}, error: 'x' });
    assert.equal(fs.existsSync(filePath), false, 'no file under the final name while writing');
    await waitFor(() => fs.existsSync(`${filePath}.tmp`));
    assert.equal(fs.existsSync(filePath), false);
    await writer.close();
    assert.equal(fs.existsSync(filePath), true);
    assert.equal(fs.existsSync(`${filePath}.tmp`), false);
    await assert.rejects(writer.write({ rowNumber: 2, record: {}, error: 'y' }), /already closed/);
  });

  it('leaves nothing behind on abort', async () => {
    const filePath = file('aborted.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    await writer.write({ rowNumber: 1, record: {}, error: 'x' });
    await writer.abort();
    assert.equal(fs.existsSync(filePath), false);
    assert.equal(fs.existsSync(`${filePath}.tmp`), false);
  });

  it('streams many rows with backpressure and counts them', async () => {
    const filePath = file('many.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    const long = 'y'.repeat(500);
    for (let rowNumber = 1; rowNumber <= 20_000; rowNumber += 1) {
      await writer.write({ rowNumber, record: { employeeNumber: String(rowNumber), iban: long }, error: 'rejected' });
    }
    assert.equal((await writer.close()).rows, 20_000);
    const scan = await scanCsv(filePath);
    assert.equal(scan.rows, 20_000);
  });

  it('reports a write failure instead of losing rows silently', async () => {
    const filePath = file('no-such-folder/x.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    await assert.rejects(async () => {
      await writer.write({ rowNumber: 1, record: {}, error: 'x' });
      await writer.close();
    }, /ENOENT/);
    await writer.abort();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2_000) assert.fail('the condition never came true');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
