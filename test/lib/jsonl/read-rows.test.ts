import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonlFormatError, readJsonlRows, scanJsonl, type JsonlRow } from '../../../lib/jsonl';
import { formatOfFileName } from '../../../lib/jsonl';
import { useTempDir } from '../csv/temp-dir';

const file = useTempDir('bsync-jsonl-');

async function readAll(filePath: string, afterRow = 0, maxLineBytes?: number): Promise<JsonlRow[]> {
  const rows: JsonlRow[] = [];
  for await (const row of readJsonlRows(filePath, { maxLineBytes }, afterRow)) rows.push(row);
  return rows;
}

describe('readJsonlRows', () => {
  it('keeps types, nulls, nested values and unicode as written', async () => {
    const first = { employeeNumber: 1001, iban: 'DE89 3704', active: true, manager: null, tags: ['a', 'b'], address: { city: 'Zürich 東京 ✓' } };
    const second = { employeeNumber: '1002', amount: '1234567890123456.78', ratio: 0.1 };
    const filePath = file('types.jsonl', `${JSON.stringify(first)}\n${JSON.stringify(second)}\n`);
    const rows = await readAll(filePath);
    assert.deepEqual(rows, [
      { rowNumber: 1, line: 1, record: first },
      { rowNumber: 2, line: 2, record: second },
    ]);
  });

  it('makes a bad line that row\'s error and reads on; blank lines are not rows', async () => {
    const filePath = file(
      'bad.jsonl',
      Buffer.concat([
        Buffer.from('\uFEFF{"a":1}\r\n\n   \n{"a":\n[1,2]\n"text"\n'),
        Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]),
        Buffer.from('{"big":12345678901234567890}\n{"a":2}'),
      ]),
    );
    const rows = await readAll(filePath);
    assert.equal(rows.length, 7);
    assert.deepEqual(rows[0], { rowNumber: 1, line: 1, record: { a: 1 } });
    assert.deepEqual(rows.map((row) => [row.rowNumber, row.line]), [[1, 1], [2, 4], [3, 5], [4, 6], [5, 7], [6, 8], [7, 9]]);
    assert.match(rows[1].error ?? '', /not valid JSON/);
    assert.match(rows[2].error ?? '', /an array, not a JSON object/);
    assert.match(rows[3].error ?? '', /a string, not a JSON object/);
    assert.match(rows[4].error ?? '', /not valid UTF-8/);
    assert.match(rows[5].error ?? '', /\$\.big is too large to read exactly/);
    assert.deepEqual(rows[6], { rowNumber: 7, line: 9, record: { a: 2 } });
  });

  it('does not hold a line over the limit: it is that row\'s error', async () => {
    const long = JSON.stringify({ text: 'x'.repeat(200_000) });
    const filePath = file('long.jsonl', `{"a":1}\n${long}\n{"a":3}\n`);
    const rows = await readAll(filePath, 0, 1000);
    assert.deepEqual(rows[0].record, { a: 1 });
    assert.match(rows[1].error ?? '', new RegExp(`${long.length} bytes long, more than the limit of 1000`));
    assert.deepEqual(rows[2], { rowNumber: 3, line: 3, record: { a: 3 } });
  });

  it('skips rows up to the checkpoint but keeps their numbers', async () => {
    const filePath = file('resume.jsonl', '{"n":1}\n{"n":2}\n\n{"n":3}\n');
    const rows = await readAll(filePath, 2);
    assert.deepEqual(rows, [{ rowNumber: 3, line: 4, record: { n: 3 } }]);
  });

  it('refuses an empty file and a file of blank lines', async () => {
    await assert.rejects(readAll(file('empty.jsonl', '')), (error: unknown) => error instanceof JsonlFormatError && error.code === 'JSONL_EMPTY' && /empty \(0 bytes\)/.test(error.message));
    await assert.rejects(readAll(file('blank.jsonl', '\n  \n\r\n')), /only blank lines/);
    await assert.rejects(readAll(file('missing-dir/none.jsonl')), (error: unknown) => error instanceof JsonlFormatError && error.code === 'JSONL_UNREADABLE');
  });

  it('reads a file of many rows across chunk edges', async () => {
    const lines = Array.from({ length: 20_000 }, (_, index) => JSON.stringify({ id: index + 1, name: `row ${index + 1} – ü` }));
    const filePath = file('many.ndjson', `${lines.join('\n')}\n`);
    let count = 0;
    for await (const row of readJsonlRows(filePath)) {
      count += 1;
      assert.equal(row.record?.id, row.rowNumber);
    }
    assert.equal(count, 20_000);
  });
});

describe('scanJsonl', () => {
  it('counts the rows and lists the bad lines before anything is sent', async () => {
    const filePath = file('scan.jsonl', '{"a":1}\nnot json\n{"a":3}\n[]\n');
    const scan = await scanJsonl(filePath);
    assert.equal(scan.rows, 4);
    assert.equal(scan.problemCount, 2);
    assert.deepEqual(scan.problems.map((problem) => problem.rowNumber), [2, 4]);
  });
});

describe('formatOfFileName', () => {
  it('reads .jsonl and .ndjson as JSON Lines, everything else as CSV', () => {
    assert.equal(formatOfFileName('a.jsonl'), 'jsonl');
    assert.equal(formatOfFileName('a.NDJSON'), 'jsonl');
    assert.equal(formatOfFileName('a.csv'), 'csv');
    assert.equal(formatOfFileName('a.json'), 'csv');
  });
});
