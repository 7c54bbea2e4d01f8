// A file we wrote for a replay is UTF-8 and says so with a byte order mark; a row-processor set to another
// encoding must read it as UTF-8, or "Zoë" goes out as "ZoÃ«". A file without the mark is read as set.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createErrorFileWriter, csvRowStarts, readCsvRows, scanCsv, type CsvOptions } from '../../../lib/csv';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-file-encoding-');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function records(filePath: string, options?: CsvOptions, afterRow = 0, start?: Parameters<typeof readCsvRows>[3]): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for await (const row of readCsvRows(filePath, options, afterRow, start)) rows.push(row.record);
  return rows;
}

describe('the encoding a CSV file is read in', () => {
  for (const encoding of ['latin1', 'utf16le'] as const) {
    it(`a file beginning with the UTF-8 byte order mark is read as UTF-8 when ${encoding} is set`, async () => {
      const filePath = file(`marked-${encoding}.csv`, Buffer.concat([BOM, Buffer.from('id,name\n1,Zoë\n2,Łódź €\n', 'utf8')]));
      const expected = [{ id: '1', name: 'Zoë' }, { id: '2', name: 'Łódź €' }];
      assert.deepEqual(await records(filePath, { encoding }), expected);
      assert.deepEqual(await scanCsv(filePath, { encoding }), { columns: ['id', 'name'], rows: 2 });
      const starts = await csvRowStarts(filePath, { encoding }, [2]);
      assert.ok(starts, 'a UTF-8 file has row starts, whatever encoding is set');
      assert.deepEqual(await records(filePath, { encoding }, 1, starts[0]), expected.slice(1), 'read from where row 2 starts');
    });
  }

  it('a latin1 file without the mark is still read as latin1', async () => {
    const filePath = file('plain-latin1.csv', Buffer.from('id,name\n1,Zoë\n', 'latin1'));
    assert.deepEqual(await records(filePath, { encoding: 'latin1' }), [{ id: '1', name: 'Zoë' }]);
    assert.equal(await csvRowStarts(filePath, { encoding: 'latin1' }, [1, 2]), undefined);
  });

  it('a latin1 file whose first bytes are only part of the mark is read as latin1', async () => {
    const filePath = file('almost.csv', Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('id,name\n1,Zoë\n', 'latin1')]));
    assert.deepEqual(await scanCsv(filePath, { encoding: 'latin1' }), { columns: ['ï»id', 'name'], rows: 1 });
  });

  it('an error file begins with the mark and is read back the same by a row-processor set to latin1', async () => {
    const filePath = file('people.errors.csv');
    const writer = createErrorFileWriter(filePath, ['id', 'name']);
    await writer.write({ rowNumber: 4, record: { id: '1', name: 'Zoë' }, error: 'HTTP 422: „name“ unknown ✗' });
    await writer.close();
    assert.deepEqual(readFileSync(filePath).subarray(0, 3), BOM);
    assert.deepEqual(await records(filePath, { encoding: 'latin1' }), [
      { id: '1', name: 'Zoë', bsync_row_number: '4', bsync_error: 'HTTP 422: „name“ unknown ✗' },
    ]);
    assert.deepEqual(await records(filePath), await records(filePath, { encoding: 'latin1' }), 'the same as read as UTF-8');
  });
});
