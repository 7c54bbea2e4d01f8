// The quick scan (a line count without csv-parse, for files with no quotes and one kind of line ending) gives
// exactly what parsing the file gives, or nothing: compared on hundreds of generated files of blank lines, CR,
// LF and CRLF endings (mixed too), quotes, BOMs, multi-byte text, spaces, ragged and empty rows, and chunk
// boundaries anywhere; and it is the one that answers for the plain files (so the parser's pass is saved).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { readCsvColumns, readCsvRows, scanCsv, type CsvOptions } from '../../../lib/csv';
import { resolveCsvOptions } from '../../../lib/csv/csv-options';
import { quickScan } from '../../../lib/csv/read-rows';
import { seededRandom } from '../../support/seeded-random';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-csv-quick-');

/** What parsing gives: the header's columns and the last row number, or the error's message. */
async function parsed(filePath: string, options: CsvOptions): Promise<{ columns: string[]; rows: number } | { error: string }> {
  try {
    let rows = 0;
    for await (const row of readCsvRows(filePath, options)) rows = row.rowNumber;
    return { columns: await readCsvColumns(filePath, options), rows };
  } catch (error) {
    return { error: (error as Error).message };
  }
}


const PIECES = ['id', 'name', 'a', 'b', '7', ' ', 'é', '日本', ',', ',', ',', '\n', '\n', '\r\n', '\r', '"', '\uFEFF', ';'];

function generated(seed: number, plain: boolean): string {
  const next = seededRandom(seed);
  const ending = next() < 0.5 ? '\n' : '\r\n';
  const bom = next() < 0.3 ? '\uFEFF' : '';
  let text = bom + (next() < 0.2 ? ending : '') + 'id,name,city' + ending;
  const lines = 1 + Math.floor(next() * 12);
  for (let line = 0; line < lines; line += 1) {
    const length = Math.floor(next() * 8);
    for (let piece = 0; piece < length; piece += 1) {
      const chosen = PIECES[Math.floor(next() * PIECES.length)];
      if (plain && (chosen === '"' || chosen.includes('\r') || chosen.includes('\n'))) continue;
      text += chosen;
    }
    text += ending;
    if (next() < 0.2) text += ending;
  }
  if (next() < 0.3) text = text.slice(0, text.length - ending.length);
  return text;
}

describe('the quick scan of a CSV file', () => {
  it('gives what parsing gives, or leaves the file to the parser, on 400 generated files', async () => {
    let answered = 0;
    for (let seed = 1; seed <= 400; seed += 1) {
      const content = generated(seed, seed % 2 === 0);
      const filePath = file(`file-${seed}.csv`, content);
      const options = resolveCsvOptions({});
      const quick = await quickScan(filePath, options);
      const reference = await parsed(filePath, {});
      if (quick === undefined) continue;
      answered += 1;
      assert.deepEqual(quick, reference, `seed ${seed}: ${JSON.stringify(content)}`);
    }
    // The plain half (no quotes, one kind of line ending) is answered quickly, nearly all of it.
    assert.ok(answered >= 150, `only ${answered} files were answered by the quick scan`);
  });

  it('is the answer for a plain file of many chunks, LF and CRLF, with and without a header', async () => {
    const rows = Array.from({ length: 30000 }, (_, index) => `${index + 1},name ${index},Zürich`);
    for (const ending of ['\n', '\r\n']) {
      const filePath = file(`many-${ending.length}.csv`, `\uFEFFid,name,city${ending}${rows.join(ending)}${ending}${ending}`);
      const quick = await quickScan(filePath, resolveCsvOptions({}));
      assert.deepEqual(quick, { columns: ['id', 'name', 'city'], rows: 30000 });
      assert.deepEqual(await scanCsv(filePath), await parsed(filePath, {}));
      const headless = await quickScan(filePath, resolveCsvOptions({ header: false, columns: ['a', 'b', 'c'] }));
      assert.deepEqual(headless, { columns: ['a', 'b', 'c'], rows: 30001 });
    }
  });

  it('reads a CRLF split between two chunks of the file', async () => {
    // 64 KiB chunks: the CR is the first chunk's last byte, its LF the next chunk's first.
    const content = `id,name\r\na,${'x'.repeat(65535 - 11)}\r\n2,b\r\n`;
    assert.equal(content[65535], '\r');
    const filePath = file('split-crlf.csv', content);
    assert.deepEqual(await quickScan(filePath, resolveCsvOptions({})), { columns: ['id', 'name'], rows: 2 });
    assert.deepEqual(await quickScan(filePath, resolveCsvOptions({})), await parsed(filePath, {}));
  });

  it('leaves to the parser a quote, a CR alone, mixed endings, a bad header and a file without rows', async () => {
    const cases = ['id,name\n1,"a"\n', 'id,name\r1,a\r', 'id,name\n1,a\r\n2,b\n', 'id,name\r\n1,a\n', 'id,id\n1,2\n', 'id,name\n', 'id,name\n1,a\rb\n', ''];
    for (const [index, content] of cases.entries()) {
      const filePath = file(`odd-${index}.csv`, content);
      assert.equal(await quickScan(filePath, resolveCsvOptions({})), undefined, JSON.stringify(content));
    }
  });

  it('leaves a file with a NUL byte or bad UTF-8 to the careful pass, which names the problem', async () => {
    const filePath = file('bad-utf8.csv', Buffer.concat([Buffer.from('id,name\n1,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    assert.equal(await quickScan(filePath, resolveCsvOptions({})), undefined);
    await assert.rejects(scanCsv(filePath), /not valid UTF-8/);
    assert.ok(fs.existsSync(filePath));
  });
});
