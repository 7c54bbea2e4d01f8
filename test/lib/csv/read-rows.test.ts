import assert from 'node:assert/strict';
import fs from 'node:fs';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { CsvFormatError, readCsvColumns, readCsvRows, scanCsv, type CsvOptions, type CsvRow } from '../../../lib/csv';
import { BsyncError, InvalidRequestError } from '../../../lib/errors';
import { seededRandom } from '../../support/seeded-random';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-csv-');
const COLUMNS = ['employeeNumber', 'iban', 'bankIdentifier', 'branchIdentifier', 'accountNumber'];
const HEADER = COLUMNS.join(',');

async function readAll(filePath: string, options?: CsvOptions, afterRow?: number): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(filePath, options, afterRow)) rows.push(row);
  return rows;
}

async function formatErrorOf(work: Promise<unknown>): Promise<CsvFormatError> {
  const error = await work.then(
    () => assert.fail('expected a CsvFormatError'),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof CsvFormatError, `expected a CsvFormatError, got ${String(error)}`);
  assert.ok(error instanceof BsyncError);
  return error;
}

describe('readCsvRows and scanCsv: reading', () => {
  it('reads the reference scenario with quoted fields, keyed by the header', async () => {
    const filePath = file(
      'bank.csv',
      `${HEADER}\n1001,NL91ABNA0417164300,ABNANL2A,,0417164300\n"1002","DE89 3704 0044 0532 0130 00","COBADEFF","Main ""Street"", Köln","0532013000"\n`,
    );
    const rows = await readAll(filePath, { columns: COLUMNS });
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      rowNumber: 1,
      line: 2,
      record: { employeeNumber: '1001', iban: 'NL91ABNA0417164300', bankIdentifier: 'ABNANL2A', branchIdentifier: '', accountNumber: '0417164300' },
      fields: ['1001', 'NL91ABNA0417164300', 'ABNANL2A', '', '0417164300'],
      fieldCount: 5,
      expectedFieldCount: 5,
    });
    assert.equal(rows[1].record.branchIdentifier, 'Main "Street", Köln');
    assert.equal(rows[1].record.iban, 'DE89 3704 0044 0532 0130 00');
    assert.deepEqual(await scanCsv(filePath, { columns: COLUMNS }), { columns: COLUMNS, rows: 2 });
  });

  it('reads CRLF and LF files alike, and strips a UTF-8 BOM from the first column name', async () => {
    const body = ['1001,NL91ABNA0417164300,ABNANL2A,001,0417164300', '1002,DE89370400440532013000,COBADEFF,002,0532013000'];
    const lf = file('lf.csv', `${HEADER}\n${body.join('\n')}\n`);
    const crlf = file('crlf.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\r\n${body.join('\r\n')}\r\n`)]));
    const fromLf = await readAll(lf, { columns: COLUMNS });
    const fromCrlf = await readAll(crlf, { columns: COLUMNS });
    assert.deepEqual(fromCrlf, fromLf);
    assert.equal(fromCrlf[1].record.employeeNumber, '1002');
    assert.equal(fromCrlf[1].record.accountNumber, '0532013000', 'no \\r left at the end of the last field');
    assert.deepEqual((await scanCsv(crlf)).columns, COLUMNS);
  });

  it('reads a semicolon-delimited latin1 file', async () => {
    const text = `${COLUMNS.join(';')}\n1001;FR1420041010050500013M02606;BNPAFRPP;Agence Sèvres;"0500013;M026"\n`;
    const filePath = file('latin1.csv', Buffer.from(text, 'latin1'));
    const [row] = await readAll(filePath, { delimiter: ';', encoding: 'latin1', columns: COLUMNS });
    assert.equal(row.record.branchIdentifier, 'Agence Sèvres');
    assert.equal(row.record.accountNumber, '0500013;M026');
  });

  it('reads a UTF-16LE file with its BOM', async () => {
    const text = `\ufeff${HEADER}\r\n1001,NL91ABNA0417164300,ABNANL2A,Zürich,0417164300\r\n`;
    const filePath = file('utf16.csv', Buffer.from(text, 'utf16le'));
    const [row] = await readAll(filePath, { encoding: 'utf16le', columns: COLUMNS });
    assert.equal(row.record.employeeNumber, '1001');
    assert.equal(row.record.branchIdentifier, 'Zürich');
  });

  it('names the fields from options.columns when the file has no header line', async () => {
    const filePath = file('noheader.csv', '1001,NL91ABNA0417164300,ABNANL2A,001,0417164300\n1002,X,Y,Z,9\n');
    const rows = await readAll(filePath, { header: false, columns: COLUMNS });
    assert.deepEqual(rows.map((row) => [row.rowNumber, row.line, row.record.employeeNumber]), [
      [1, 1, '1001'],
      [2, 2, '1002'],
    ]);
    await assert.rejects(readAll(filePath, { header: false }), InvalidRequestError);
  });

  it('keeps extra header columns in the record', async () => {
    const filePath = file('extra.csv', `${HEADER},note\n1,2,3,4,5,hello\n`);
    const [row] = await readAll(filePath, { columns: COLUMNS });
    assert.equal(row.record.note, 'hello');
    assert.equal(row.expectedFieldCount, 6);
  });
});

describe('readCsvRows: row numbers and resume', () => {
  const lines = [HEADER, '1,a,b,c,d', '', '2,a,b,c,d', '"3","multi', 'line",b,c,d', '', '', '4,a,b,c,d', '5,a,b,c,d'];

  it('numbers data rows 1.. without counting blank lines, and reports the physical start line', async () => {
    const filePath = file('blank-lines.csv', `${lines.join('\n')}\n`);
    const rows = await readAll(filePath);
    assert.deepEqual(
      rows.map((row) => [row.rowNumber, row.line, row.record.employeeNumber]),
      [
        [1, 2, '1'],
        [2, 4, '2'],
        [3, 5, '3'],
        [4, 9, '4'],
        [5, 10, '5'],
      ],
    );
    assert.equal(rows[2].record.iban, 'multi\nline');
    assert.deepEqual(await readAll(filePath), rows, 'the same file always gives the same numbers');
  });

  it('resumes after row N with rows N+1.. keeping their numbers', async () => {
    const filePath = file('resume.csv', `${lines.join('\r\n')}\r\n`);
    const resumed = await readAll(filePath, {}, 3);
    assert.deepEqual(
      resumed.map((row) => [row.rowNumber, row.record.employeeNumber]),
      [
        [4, '4'],
        [5, '5'],
      ],
    );
    assert.deepEqual(await readAll(filePath, {}, 5), []);
  });

  it('readCsvColumns reads the header only: a file broken further down still gives its columns', async () => {
    // A quote never closed after row 2 fails a whole read; the columns come from the first record alone.
    const filePath = file('header-only.csv', `\uFEFF${HEADER}\n1,a,b,c,d\n2,"never closed,b,c,d\n${'3,a,b,c,d\n'.repeat(20_000)}`);
    assert.deepEqual(await readCsvColumns(filePath), COLUMNS);
    await formatErrorOf(scanCsv(filePath));
  });

  it('yields a ragged row with its field count instead of failing the file', async () => {
    const filePath = file('ragged.csv', `${HEADER}\n1,a,b,c,d\n2,a,b\n3,a,b,c,d,extra\n4,a,b,c,d\n`);
    const rows = await readAll(filePath);
    assert.deepEqual(
      rows.map((row) => [row.rowNumber, row.fieldCount, row.expectedFieldCount]),
      [
        [1, 5, 5],
        [2, 3, 5],
        [3, 6, 5],
        [4, 5, 5],
      ],
    );
    assert.deepEqual(rows[1].record, { employeeNumber: '2', iban: 'a', bankIdentifier: 'b' });
    assert.equal(Object.keys(rows[2].record).length, 5);
    assert.equal((await scanCsv(filePath)).rows, 4);
  });

  it('closes the file when the caller stops early', { skip: !fs.existsSync('/proc/self/fd') && 'needs /proc to see open files' }, async () => {
    const filePath = file('stop-early.csv', `${lines.join('\n')}\n`);
    for await (const row of readCsvRows(filePath)) {
      assert.equal(row.rowNumber, 1);
      assert.equal(openHandlesTo(filePath), 1);
      break;
    }
    await waitFor(() => openHandlesTo(filePath) === 0);
  });
});

describe('scanCsv and readCsvRows: bad input', () => {
  it('refuses a zero-byte file as CSV_EMPTY', async () => {
    const error = await formatErrorOf(scanCsv(file('zero.csv', '')));
    assert.equal(error.code, 'CSV_EMPTY');
    assert.equal(error.fileName, 'zero.csv');
    assert.match(error.message, /^zero\.csv: .*empty \(0 bytes\)/);
  });

  it('refuses a header-only file as CSV_EMPTY, told apart from a zero-byte file', async () => {
    const error = await formatErrorOf(scanCsv(file('header-only.csv', `${HEADER}\r\n\r\n`)));
    assert.equal(error.code, 'CSV_EMPTY');
    assert.match(error.message, /header line but no data rows/);
    const fromReader = await formatErrorOf(readAll(file('header-only.csv')));
    assert.equal(fromReader.code, 'CSV_EMPTY');
  });

  it('refuses a header that lacks a required column, naming it and what was found', async () => {
    const filePath = file('wrong-header.csv', 'employeeNumber,iban,bic,accountNumber\n1,2,3,4\n');
    const error = await formatErrorOf(scanCsv(filePath, { columns: COLUMNS }));
    assert.equal(error.code, 'CSV_HEADER');
    assert.equal(error.line, 1);
    assert.match(error.message, /^wrong-header\.csv line 1: /);
    assert.match(error.message, /"bankIdentifier", "branchIdentifier"/);
    assert.match(error.message, /found: "employeeNumber", "iban", "bic", "accountNumber"/);
    assert.equal((await formatErrorOf(readAll(filePath, { columns: COLUMNS }))).code, 'CSV_HEADER');
  });

  it('refuses duplicate and empty header names', async () => {
    const error = await formatErrorOf(scanCsv(file('dup-header.csv', 'id,iban,,iban\n1,2,3,4\n')));
    assert.equal(error.code, 'CSV_HEADER');
    assert.match(error.message, /column 3 of the header has no name/);
    assert.match(error.message, /"iban" more than once/);
  });

  it('refuses an unclosed quote as CSV_MALFORMED with the line where the quote opens', async () => {
    const rows = Array.from({ length: 60 }, (_, index) => `${index + 1},a,b,c,d`);
    rows[55] = '56,"NL91 unclosed,b,c,d'; // line 57: header is line 1
    const filePath = file('bank.csv', `${HEADER}\n${rows.join('\n')}\n`);
    const error = await formatErrorOf(scanCsv(filePath));
    assert.equal(error.code, 'CSV_MALFORMED');
    assert.equal(error.line, 57);
    assert.match(error.message, /^bank\.csv line 57: unclosed quote/);

    const seen: number[] = [];
    const fromReader = await formatErrorOf(
      (async () => {
        for await (const row of readCsvRows(filePath)) seen.push(row.rowNumber);
      })(),
    );
    assert.equal(fromReader.line, 57);
    assert.equal(seen.at(-1), 55, 'rows before the bad one are yielded first');
  });

  it('refuses a stray quote inside an unquoted field as CSV_MALFORMED with its line', async () => {
    const error = await formatErrorOf(scanCsv(file('stray.csv', `${HEADER}\n1,a,b,c,d\n2,NL"91,b,c,d\n`)));
    assert.equal(error.code, 'CSV_MALFORMED');
    assert.equal(error.line, 3);
    assert.match(error.message, /^stray\.csv line 3: a quote appears inside an unquoted field/);
  });

  it('refuses a binary file (PNG bytes) as CSV_BINARY', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const error = await formatErrorOf(scanCsv(file('photo.csv', png)));
    assert.equal(error.code, 'CSV_BINARY');
    assert.match(error.message, /^photo\.csv: this is a binary file/);
    const zip = Buffer.from('504b0304140000000800', 'hex');
    assert.equal((await formatErrorOf(readAll(file('archive.csv', zip), { encoding: 'latin1' }))).code, 'CSV_BINARY');
  });

  it('refuses invalid UTF-8 as CSV_ENCODING with an approximate line and byte offset', async () => {
    const good = `${HEADER}\n1001,a,b,c,d\n`;
    const bytes = Buffer.concat([Buffer.from(good), Buffer.from('1002,M'), Buffer.from([0xfc]), Buffer.from('ller,b,c,d\n')]);
    const filePath = file('latin1-as-utf8.csv', bytes);
    const error = await formatErrorOf(scanCsv(filePath));
    assert.equal(error.code, 'CSV_ENCODING');
    assert.equal(error.line, 3);
    assert.ok(error.byteOffset !== undefined && Math.abs(error.byteOffset - (good.length + 6)) <= 1, `offset ${error.byteOffset}`);
    assert.match(error.message, /^latin1-as-utf8\.csv line 3: the file is not valid UTF-8/);
    // The same bytes are fine when the encoding is declared.
    const [, row] = await readAll(filePath, { encoding: 'latin1' });
    assert.equal(row.record.iban, 'Müller');
  });

  it('refuses a UTF-8 sequence cut off at the end of the file', async () => {
    const filePath = file('truncated.csv', Buffer.concat([Buffer.from(`${HEADER}\n1,a,b,c,`), Buffer.from([0xe2, 0x82])]));
    assert.equal((await formatErrorOf(scanCsv(filePath))).code, 'CSV_ENCODING');
  });
});

describe('readCsvRows: memory', () => {
  it('streams a 200,000-row file without holding it in memory', async () => {
    const filePath = file('big.csv');
    const out = fs.createWriteStream(filePath);
    out.write(`${HEADER},comment\n`);
    const padding = 'x'.repeat(60);
    for (let index = 1; index <= 200_000; index += 1) {
      if (!out.write(`${index},NL91ABNA${String(index).padStart(10, '0')},ABNANL2A,"branch, ${index}",${index},${padding}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const fileSize = fs.statSync(filePath).size;

    // Without a forced collection heapUsed mostly measures garbage V8 has not collected yet; what must stay
    // small is what the reader keeps alive.
    const collectGarbage = exposeGc();
    collectGarbage();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let count = 0;
    for await (const row of readCsvRows(filePath, { columns: COLUMNS })) {
      count += 1;
      assert.equal(row.rowNumber, count);
      if (count % 25_000 === 0) {
        collectGarbage();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    assert.equal(count, 200_000);
    assert.ok(fileSize > 20_000_000, `the file is big enough to tell (${fileSize} bytes)`);
    assert.ok(peak < fileSize / 4, `heap grew by ${peak} bytes while reading a ${fileSize}-byte file`);
  });
});

/** node --test runs without --expose-gc; the flag can still be turned on at runtime for a fresh context. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function openHandlesTo(filePath: string): number {
  const links = fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
  return links.filter((link) => link === filePath).length;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2_000) assert.fail('the condition never came true');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('readCsvRows: start lines over many read chunks', () => {
  it('gives each row the physical line it starts on, with blank lines and quoted line breaks across chunk boundaries', async () => {
    const lines = [HEADER];
    const expected: Array<[number, number]> = [];
    let nextLine = 2;
    for (let row = 1; row <= 3000; row += 1) {
      if (row % 97 === 0) {
        lines.push('');
        nextLine += 1;
      }
      expected.push([row, nextLine]);
      if (row % 89 === 0) {
        lines.push(`${row},"two\nlines",b,c,d`);
        nextLine += 2;
      } else {
        lines.push(`${row},DE${String(row).padStart(20, '0')},b,c,d`);
        nextLine += 1;
      }
    }
    const rows = await readAll(file('lines.csv', `${lines.join('\n')}\n`));
    assert.deepEqual(
      rows.map((row) => [row.rowNumber, row.line]),
      expected,
    );
    assert.equal(rows[88].record.iban, 'two\nlines');
  });
});

describe('line numbers after line breaks inside quoted fields', () => {
  /** A file of rows whose fields hold line breaks, blank lines between rows, and maybe a broken last row. */
  function generatedLines(random: () => number): { lines: string[]; broken: boolean } {
    const cell = () => {
      const roll = random();
      if (roll < 0.3) return `"multi${'\n'.repeat(1 + Math.floor(random() * 3))}line"`;
      if (roll < 0.4) return '""';
      return `v${Math.floor(random() * 1000)}`;
    };
    const lines = ['a,b,c'];
    const rows = 1 + Math.floor(random() * 12);
    for (let row = 0; row < rows; row += 1) {
      if (random() < 0.15) lines.push('');
      lines.push([cell(), cell(), cell()].join(','));
    }
    const broken = random() < 0.5;
    if (broken) lines.push(random() < 0.5 ? `x,"never closed${'\n'}y,z` : 'x,a"b"c,z');
    return { lines, broken };
  }

  /** Each row's line, or the error's line: what a person is told to open the file at. */
  async function linesTold(filePath: string): Promise<number[]> {
    const told: number[] = [];
    try {
      for await (const row of readCsvRows(filePath)) told.push(row.line);
    } catch (error) {
      assert.ok(error instanceof CsvFormatError, String(error));
      told.push(-(error.line ?? 0));
    }
    return told;
  }

  it('a CRLF file gives every row and error the line the same file with LF gives (csv-parse counts a quoted CRLF twice)', async () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const { lines } = generatedLines(seededRandom(seed));
      const lf = `${lines.join('\n')}\n`;
      const lfFile = file(`lines-${seed}.lf.csv`, lf);
      const crlfFile = file(`lines-${seed}.crlf.csv`, lf.replace(/\n/g, '\r\n'));
      const expected = await linesTold(lfFile);
      assert.deepEqual(await linesTold(crlfFile), expected, `seed ${seed}: ${JSON.stringify(lf)}`);
    }
  });

  it('the LF lines are where a text editor shows the rows', async () => {
    const good = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n';
    assert.deepEqual((await readAll(file('editor-lines.csv', good))).map((row) => row.line), [2, 5]);
    const error = await formatErrorOf(readAll(file('editor-lines-broken.csv', `${good}3,q"r"\r\n`)));
    assert.equal(error.line, 6, error.message);
  });
});
