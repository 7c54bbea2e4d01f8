import assert from 'node:assert/strict';
import fs from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { text } from 'node:stream/consumers';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  createErrorFileWriter,
  CsvFormatError,
  DEFAULT_MAX_COLUMNS,
  ERROR_FILE_ERROR_COLUMN,
  ERROR_FILE_ROW_COLUMN,
  raggedRowReason,
  readCsvRows,
  rowOriginal,
  scanCsv,
  type CsvOptions,
  type CsvRow,
} from '../../../lib/csv';
import { CsvDecodeStream } from '../../../lib/csv/decode-stream';
import { columnsFromHeader } from '../../../lib/csv/header';
import { toErrorFileRow } from '../../../lib/processing/error-file-of-batch';
import type { ErrorPayloadRow } from '../../../lib/store';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-broken-');
const COLUMNS = ['employeeNumber', 'iban', 'note'];

async function readAll(filePath: string, options?: CsvOptions): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(filePath, options)) rows.push(row);
  return rows;
}

async function formatErrorOf(work: Promise<unknown>): Promise<CsvFormatError> {
  const error = await work.then(
    () => assert.fail('expected a CsvFormatError'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof CsvFormatError, `expected a CsvFormatError, got ${String(error)}`);
  return error;
}

/** An error payload row as the store returns it, for the parts toErrorFileRow reads. */
function storedFailure(rowNumber: number, original: string, error: string): ErrorPayloadRow {
  return { row_number: rowNumber, original_payload: original, idempotency_key: `bsync-1-${rowNumber}`, error } as ErrorPayloadRow;
}

/** node --test runs without --expose-gc; the flag can still be turned on at runtime for a fresh context. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
const collectGarbage = exposeGc();

async function writeLines(filePath: string, lines: Iterable<string>): Promise<void> {
  const out = fs.createWriteStream(filePath);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

describe('formula cells in error files', () => {
  const formulaValues = ['=1+1', '+31 6 1234', '-5', '@SUM(A1)', '\tlead tab', '\rlead cr', "'already quoted", "''", "'", '=', 'plain', '', ' =spaced'];

  it('writes formula-like cells with a leading quote, and reads back exactly the original values', async () => {
    const filePath = file('formula.errors.csv');
    const writer = createErrorFileWriter(filePath, ['=name', ...COLUMNS]);
    for (const [index, value] of formulaValues.entries()) {
      await writer.write({ rowNumber: index + 1, record: { '=name': value, employeeNumber: String(index), iban: value, note: 'x' }, error: `=HYPERLINK("evil") ${index}` });
    }
    await writer.close();

    const written = fs.readFileSync(filePath, 'utf8');
    const lines = written.split('\r\n');
    assert.ok(lines[0].startsWith("\uFEFF'=name,"), 'after the byte order mark, the header cell is neutralised too');
    assert.ok(lines[1].startsWith(`'=1+1,0,'=1+1,x,1,"'=HYPERLINK(""evil"") 0",yes`), lines[1]);
    assert.ok(written.includes("'-5,"));
    assert.ok(written.includes("'@SUM(A1),"));
    assert.ok(written.includes(`"'\tlead tab"`) || written.includes("'\tlead tab"));
    assert.ok(written.includes("''already quoted"), 'a value starting with a quote gets one more');
    for (const line of lines.slice(1, -1)) {
      for (const cell of line.split(',')) assert.ok(!/^"?[=+\-@]/.test(cell), `cell ${JSON.stringify(cell)} of ${JSON.stringify(line)} would run as a formula`);
    }

    const scan = await scanCsv(filePath);
    assert.deepEqual(scan.columns, ['=name', ...COLUMNS, ERROR_FILE_ROW_COLUMN, ERROR_FILE_ERROR_COLUMN]);
    const rows = await readAll(filePath);
    assert.deepEqual(
      rows.map((row) => row.record['=name']),
      formulaValues,
      'a replay reads each value back byte for byte',
    );
    assert.deepEqual(rows.map((row) => row.record.iban), formulaValues);
    assert.equal(rows[0].record[ERROR_FILE_ERROR_COLUMN], '=HYPERLINK("evil") 0');
    assert.deepEqual(rows[0].fields, ['=1+1', '0', '=1+1', 'x']);
    assert.ok(rows.every((row) => row.fieldCount === row.expectedFieldCount));
  });

  it('reads a row an admin added by hand (no bsync_quoted mark) as it is', async () => {
    const filePath = file('hand.errors.csv');
    const writer = createErrorFileWriter(filePath, COLUMNS);
    await writer.write({ rowNumber: 3, record: { employeeNumber: '-7', iban: 'NL91', note: '' }, error: 'bad' });
    await writer.close();
    fs.appendFileSync(filePath, "'0042,NL92,'kept,4,,\r\n");
    const rows = await readAll(filePath);
    assert.equal(rows[0].record.employeeNumber, '-7');
    assert.deepEqual(rows[1].record, { employeeNumber: "'0042", iban: 'NL92', note: "'kept", [ERROR_FILE_ROW_COLUMN]: '4', [ERROR_FILE_ERROR_COLUMN]: '' });
  });

  it('leaves files without the bsync_quoted column (other files, earlier error files) as they are', async () => {
    const filePath = file('plain.csv', `id,${ERROR_FILE_ROW_COLUMN},${ERROR_FILE_ERROR_COLUMN}\n'=x,1,e\n`);
    const [row] = await readAll(filePath);
    assert.equal(row.record.id, "'=x");
  });
});

describe('ragged rows stay ragged', () => {
  it('keeps every field of a ragged row through its error payload, its error-file line and a replay of it', async () => {
    const source = file('ragged.csv', 'employeeNumber,iban,note\n1,NL91,ok\n2,NL92,one,EXTRA\n3,NL93\n');
    const rows = await readAll(source);
    assert.deepEqual(rows[1].fields, ['2', 'NL92', 'one', 'EXTRA']);
    assert.deepEqual(rows[2].fields, ['3', 'NL93']);
    assert.equal(raggedRowReason(rows[0], COLUMNS, 1), undefined);
    const reasons = rows.slice(1).map((row) => raggedRowReason(row, COLUMNS, row.rowNumber)!);
    assert.deepEqual(reasons, ['row 2 has 4 fields, the header has 3', 'row 3 has 2 fields, the header has 3']);

    const originals = rows.slice(1).map((row) => rowOriginal(row, COLUMNS));
    assert.deepEqual(JSON.parse(originals[0]).bsync_fields, ['2', 'NL92', 'one', 'EXTRA']);
    assert.equal(rowOriginal(rows[0], COLUMNS), JSON.stringify(rows[0].record), 'a well-formed row is stored as before');

    const errorFile = file('ragged.errors.csv');
    const writer = createErrorFileWriter(errorFile, COLUMNS);
    for (const [index, original] of originals.entries()) await writer.write(toErrorFileRow(storedFailure(index + 2, original, reasons[index])));
    await writer.close();
    const lines = fs.readFileSync(errorFile, 'utf8').split('\r\n');
    assert.equal(lines[1], `2,NL92,one,EXTRA,2,"${reasons[0]}",yes`, 'the extra field is on the line');
    assert.equal(lines[2], `3,NL93,3,"${reasons[1]}",yes`, 'the short row is not padded');

    const replayed = await readAll(errorFile);
    assert.deepEqual(
      replayed.map((row) => row.fields),
      [
        ['2', 'NL92', 'one', 'EXTRA'],
        ['3', 'NL93'],
      ],
    );
    assert.ok(replayed.every((row) => row.fieldCount !== row.expectedFieldCount), 'still ragged by the counts the processor compares');
    assert.deepEqual(
      replayed.map((row) => raggedRowReason(row, COLUMNS, Number(row.record[ERROR_FILE_ROW_COLUMN]))),
      reasons,
      'a replay fails again with the same reason',
    );
    assert.deepEqual(replayed.map((row) => rowOriginal(row, COLUMNS)), originals, 'and stores the same original');
  });
});

describe('NUL bytes', () => {
  it('refuses a NUL byte far past the start of the file, naming the byte and the line', async () => {
    const lines = ['employeeNumber,iban,note\n'];
    for (let index = 1; index <= 5000; index += 1) lines.push(`${index},NL91ABNA0417164300,note ${index}\n`);
    lines.push('5001,NL91\u0000ABNA,late\n');
    const filePath = file('late-nul.csv', lines.join(''));
    const offset = fs.readFileSync(filePath).indexOf(0);
    assert.ok(offset > 100_000);
    const error = await formatErrorOf(scanCsv(filePath));
    assert.equal(error.code, 'CSV_BINARY');
    assert.equal(error.byteOffset, offset);
    assert.equal(error.line, 5002);
    assert.match(error.message, new RegExp(`^late-nul\\.csv line 5002: a NUL byte \\(0x00\\) at byte ${offset}`));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const row of readCsvRows(filePath)) seen.push(row.record.iban);
    }, CsvFormatError);
    assert.ok(!seen.some((iban) => iban.includes('\u0000')), 'no value with a NUL is ever handed out');
  });

  it('refuses a NUL character in UTF-16 text, even split across two chunks', async () => {
    const body = Buffer.from('\ufeffid,name\n1,abc\n2,x\u0000y\n', 'utf16le');
    const nulAt = body.indexOf(Buffer.from([0, 0]), 2);
    const decoder = new CsvDecodeStream('utf16.csv', 'utf16le');
    // Chunks of odd length put the two bytes of the NUL character in different chunks.
    const splitAt = nulAt % 2 === 0 ? nulAt + 1 : nulAt;
    const chunks = [body.subarray(0, splitAt), body.subarray(splitAt)];
    const error = await text(Readable.from(chunks).pipe(decoder)).then(
      () => assert.fail('expected an error'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof CsvFormatError);
    assert.equal(error.code, 'CSV_BINARY');
    const clean = await text(Readable.from([Buffer.from('\ufeffid,name\n1,abc\n', 'utf16le')]).pipe(new CsvDecodeStream('ok.csv', 'utf16le')));
    assert.ok(clean.endsWith('id,name\n1,abc\n'), JSON.stringify(clean));
  });
});

describe('limits: long lines, wide files', () => {
  it('fails a 50 MB single-line file with a short message, in bounded memory', async () => {
    for (const filler of ['x', ',']) {
      const filePath = file(`long-line-${filler === ',' ? 'commas' : 'x'}.csv`);
      const chunk = filler.repeat(1024 * 1024);
      await writeLines(filePath, (function* () {
        yield 'id,name\n1,';
        for (let index = 0; index < 50; index += 1) yield chunk;
      })());
      collectGarbage();
      const before = process.memoryUsage().rss;
      const started = Date.now();
      const error = await formatErrorOf(scanCsv(filePath));
      const grewBy = process.memoryUsage().rss - before;
      assert.equal(error.code, 'CSV_MALFORMED');
      assert.ok(error.message.length < 300, error.message);
      // A line of letters is too long; a line of commas is too wide long before that.
      assert.match(error.message, filler === ',' ? /this row has more than 1000 fields/ : /longer than 4194304 bytes/);
      assert.equal(error.line, 2);
      assert.ok(grewBy < 100 * 1024 * 1024, `RSS grew by ${Math.round(grewBy / 1048576)} MB`);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    }
  });

  it('fails a record that grows past the limit across lines (a quote never closed) without filling memory', async () => {
    const filePath = file('unclosed.csv');
    await writeLines(filePath, (function* () {
      yield 'id,name\n1,"never closed\n';
      for (let index = 0; index < 200_000; index += 1) yield `${index},${'y'.repeat(40)}\n`;
    })());
    const error = await formatErrorOf(scanCsv(filePath, { maxRowBytes: 1024 * 1024 }));
    assert.equal(error.code, 'CSV_MALFORMED');
    assert.match(error.message, /a row is longer than 1048576 characters/);
    assert.ok(error.message.length < 300, error.message);
  });

  it('counts a line ended by CR alone as a line (old Mac files), for the length limit too', async () => {
    const rows = Array.from({ length: 2000 }, (_, index) => `${index},NL91ABNA0417164300`).join('\r');
    const filePath = file('cr-only.csv', `id,iban\r${rows}\r`);
    assert.equal((await scanCsv(filePath, { maxRowBytes: 64 })).rows, 2000);
    const long = file('cr-only-long.csv', `id,iban\r${rows}\r1,${'z'.repeat(100)}\r2,x\r`);
    const error = await formatErrorOf(scanCsv(long, { maxRowBytes: 64 }));
    assert.equal(error.message, 'cr-only-long.csv line 2002: a row is longer than 64 characters (the maxRowBytes option): the file is probably not CSV, or a quote is never closed');
  });

  it('reads a 1 MB field whole', async () => {
    const big = 'é'.repeat(500_000);
    const filePath = file('big-field.csv', `id,name\n1,"${big}"\n`);
    const [row] = await readAll(filePath);
    assert.equal(row.record.name, big);
  });

  it('refuses a 200,000-column header at once, with the reason', async () => {
    const filePath = file('wide.csv', `${Array.from({ length: 200_000 }, (_, index) => `c${index}`).join(',')}\n${'1,'.repeat(199_999)}1\n`);
    const started = performance.now();
    const error = await formatErrorOf(scanCsv(filePath));
    const elapsedMs = performance.now() - started;
    assert.equal(error.code, 'CSV_HEADER');
    assert.equal(error.message, `wide.csv line 1: the header has more than ${DEFAULT_MAX_COLUMNS} columns, the limit (the maxColumns option)`);
    assert.ok(elapsedMs < 1000, `took ${Math.round(elapsedMs)} ms`);
  });

  it('refuses a data row wider than the limit', async () => {
    const filePath = file('wide-row.csv', `a,b\n1,2\n${'x,'.repeat(20)}x\n`);
    const error = await formatErrorOf(scanCsv(filePath, { maxColumns: 10 }));
    assert.equal(error.message, 'wide-row.csv line 3: this row has more than 10 fields, the limit (the maxColumns option)');
    // Quoted delimiters are text, and a UTF-16 file (no byte count) is checked on the parsed record.
    assert.equal((await scanCsv(file('quoted.csv', `a,b\n1,"${','.repeat(50)}"\n`), { maxColumns: 10 })).rows, 1);
    const utf16 = file('wide16.csv', Buffer.from(`a,b\n1,2\n${'x,'.repeat(20)}x\n`, 'utf16le'));
    const error16 = await formatErrorOf(scanCsv(utf16, { maxColumns: 10, encoding: 'utf16le' }));
    assert.equal(error16.message, 'wide16.csv line 3: this row has 21 fields, more than the limit of 10 (the maxColumns option)');
  });

  it('fails fast on a wide header also when the delimiter is several characters long', async () => {
    const filePath = file('wide-multi.csv', `${Array.from({ length: 20 }, (_, index) => `c${index}`).join('||')}\n1||2\n`);
    const error = await formatErrorOf(scanCsv(filePath, { maxColumns: 10, delimiter: '||' }));
    assert.equal(error.message, 'wide-multi.csv line 1: the header has 20 columns, more than the limit of 10 (the maxColumns option)');
  });

  it('checks a 200,000-column header for duplicates in linear time', () => {
    const names = Array.from({ length: 200_000 }, (_, index) => `column${index}`);
    names.push('column7', 'column199999');
    const started = performance.now();
    assert.throws(
      () => columnsFromHeader('wide.csv', names, ['column5', 'missing'], 1, 300_000),
      (error: unknown) =>
        error instanceof CsvFormatError &&
        error.message.includes('the header names "column7", "column199999" more than once') &&
        error.message.includes('lacks the required column "missing"') &&
        error.message.length < 2000,
    );
    const elapsedMs = performance.now() - started;
    // Quadratic (indexOf per name) takes over 10 s here; linear takes some 50 ms on an idle machine.
    assert.ok(elapsedMs < 1000, `took ${Math.round(elapsedMs)} ms`);
  });
});
