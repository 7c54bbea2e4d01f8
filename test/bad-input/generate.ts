// Broken batch files, generated (never committed): one function per kind of bad input a user hands us.
// Each writes its file into a folder and says what the reader must make of it, so the bad-input suite
// against a whole runtime and the lib tests can share them.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import type { CsvFormatErrorCode } from '../../lib/csv';

export const COLUMNS = ['employeeNumber', 'iban', 'bankIdentifier', 'branchIdentifier', 'accountNumber'];
const HEADER = COLUMNS.join(',');
const ROW = (n: number) => `${1000 + n},NL91ABNA0417164300,ABNANL2A,001,0417164300`;

export interface BrokenFile {
  /** What is wrong with it, in words, for test names. */
  what: string;
  path: string;
  /** The whole file fails with this code (nothing sent), or it is read and has this many rows. */
  expected: { code: CsvFormatErrorCode } | { rows: number };
}

export type Generator = (folder: string) => Promise<BrokenFile>;

async function write(folder: string, name: string, content: string | Buffer | Iterable<string | Buffer>): Promise<string> {
  fs.mkdirSync(folder, { recursive: true });
  const filePath = path.join(folder, name);
  if (typeof content === 'string' || Buffer.isBuffer(content)) {
    fs.writeFileSync(filePath, content);
    return filePath;
  }
  const out = fs.createWriteStream(filePath);
  for (const part of content) if (!out.write(part)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
  return filePath;
}

function rows(count: number, eol = '\n'): string {
  return Array.from({ length: count }, (_, index) => ROW(index + 1)).join(eol) + eol;
}

export const generators: Record<string, Generator> = {
  empty: async (folder) => ({ what: 'a zero-byte file', path: await write(folder, 'empty.csv', ''), expected: { code: 'CSV_EMPTY' } }),

  headerOnly: async (folder) => ({ what: 'a header and no rows', path: await write(folder, 'header-only.csv', `${HEADER}\r\n\r\n`), expected: { code: 'CSV_EMPTY' } }),

  bomCrlf: async (folder) => ({
    what: 'a UTF-8 BOM and CRLF line ends (a good file)',
    path: await write(folder, 'bom-crlf.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\r\n${rows(3, '\r\n')}`)])),
    expected: { rows: 3 },
  }),

  latin1AsUtf8: async (folder) => ({
    what: 'latin1 text read as UTF-8',
    path: await write(folder, 'latin1.csv', Buffer.from(`${HEADER}\n1001,NL91,ABNANL2A,Zürich,1\n`, 'latin1')),
    expected: { code: 'CSV_ENCODING' },
  }),

  utf16AsUtf8: async (folder) => ({
    what: 'UTF-16 text read as UTF-8',
    path: await write(folder, 'utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${rows(2)}`, 'utf16le')])),
    expected: { code: 'CSV_BINARY' },
  }),

  binary: async (folder) => ({
    what: 'a PNG image named .csv',
    path: await write(folder, 'photo.csv', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.alloc(512, 7)])),
    expected: { code: 'CSV_BINARY' },
  }),

  unclosedQuote: async (folder) => ({
    what: 'a quote that never closes',
    path: await write(folder, 'unclosed.csv', `${HEADER}\n${ROW(1)}\n1002,"NL91 never closed,ABNANL2A,001,1\n${rows(3)}`),
    expected: { code: 'CSV_MALFORMED' },
  }),

  wrongHeader: async (folder) => ({
    what: 'a header without the required columns (read with options.columns = COLUMNS)',
    path: await write(folder, 'wrong-header.csv', `name,amount\nAlice,1\n`),
    expected: { code: 'CSV_HEADER' },
  }),

  duplicateHeader: async (folder) => ({
    what: 'a header naming a column twice',
    path: await write(folder, 'duplicate-header.csv', `${HEADER},iban\n${ROW(1)},x\n`),
    expected: { code: 'CSV_HEADER' },
  }),

  nulEarly: async (folder) => ({
    what: 'a NUL byte in the first row',
    path: await write(folder, 'nul-early.csv', `${HEADER}\n1001,NL91\u0000,ABNANL2A,001,1\n`),
    expected: { code: 'CSV_BINARY' },
  }),

  nulLate: async (folder) => ({
    what: 'a NUL byte after 100 KB of good rows',
    path: await write(folder, 'nul-late.csv', `${HEADER}\n${rows(3000)}1999,NL91\u0000X,ABNANL2A,001,1\n`),
    expected: { code: 'CSV_BINARY' },
  }),

  longLine: async (folder) => {
    const megabyte = 'x'.repeat(1024 * 1024);
    const parts = (function* () {
      yield `${HEADER}\n1001,`;
      for (let index = 0; index < 50; index += 1) yield megabyte;
    })();
    return { what: 'a 50 MB line', path: await write(folder, 'long-line.csv', parts), expected: { code: 'CSV_MALFORMED' } };
  },

  wideHeader: async (folder) => ({
    what: 'a header of 200,000 columns',
    path: await write(folder, 'wide.csv', `${Array.from({ length: 200_000 }, (_, index) => `c${index}`).join(',')}\n${'1,'.repeat(199_999)}1\n`),
    expected: { code: 'CSV_HEADER' },
  }),

  bigField: async (folder) => ({
    what: 'a 1 MB field (read whole: under the 4 MiB row limit)',
    path: await write(folder, 'big-field.csv', `${HEADER}\n1001,NL91,ABNANL2A,"${'b'.repeat(1024 * 1024)}",1\n`),
    expected: { rows: 1 },
  }),

  formulaCells: async (folder) => ({
    what: 'cells a spreadsheet would run as formulas (a good file: the error file must quote them)',
    path: await write(folder, 'formulas.csv', `${HEADER}\n=1+1,+31,-5,@SUM(A1),"\tx"\n1002,'quoted,ABNANL2A,001,1\n`),
    expected: { rows: 2 },
  }),

  longName: async (folder) => ({
    what: 'a 250-character file name',
    path: await write(folder, `${'payroll-'.repeat(31)}`.slice(0, 246) + '.csv', `${HEADER}\n${rows(2)}`),
    expected: { rows: 2 },
  }),

  unicodeName: async (folder) => ({
    what: 'a file name of over 200 bytes in non-ASCII characters',
    path: await write(folder, `${'Zürich-東京-'.repeat(15)}`.slice(0, 140) + '.csv', `${HEADER}\n${rows(2)}`),
    expected: { rows: 2 },
  }),

  exoticNumbers: async (folder) => ({
    what: 'numbers a type coercion would change (rows fail a schema with employeeNumber: integer)',
    path: await write(folder, 'exotic-numbers.csv', `${HEADER}\n9007199254740993,a,b,c,1\n1e3,a,b,c,1\n0x10,a,b,c,1\n007,a,b,c,1\n" 42",a,b,c,1\n`),
    expected: { rows: 5 },
  }),

  raggedRows: async (folder) => ({
    what: 'rows with more and fewer fields than the header (the rows fail, the file is read)',
    path: await write(folder, 'ragged.csv', `${HEADER}\n${ROW(1)},EXTRA\n1002,NL91\n${ROW(3)}\n`),
    expected: { rows: 3 },
  }),
};
