// Reading from where a row starts (csvRowStarts, readCsvRows with a start) gives exactly the rows that reading
// from the top and skipping would give: numbers, lines, records, fields, for every row of files with CRLF and LF,
// quoted line breaks and delimiters, blank lines, a BOM, multi-byte text, an error file's layout, no final newline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvRowStarts, readCsvRows, type CsvOptions, type CsvRow } from '../../../lib/csv';
import { useTempDir } from './temp-dir';

const file = useTempDir('bsync-csv-starts-');

async function rowsOf(filePath: string, options: CsvOptions | undefined, afterRow: number, start?: Parameters<typeof readCsvRows>[3]): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsvRows(filePath, options, afterRow, start)) rows.push(row);
  return rows;
}

const FILES: Record<string, string> = {
  'lf.csv': 'id,name,city\n1,Anna,Köln\n2,"Bram, Jr.",Gent\n3,"multi\nline",Paris\n4,Émile,"Zürich"\n5,x,y\n',
  'crlf-bom.csv': '\uFEFFid,name,city\r\n1,Anna,Köln\r\n\r\n2,"a ""quoted"" one",Gent\r\n3,"multi\r\nline\r\nthree",Paris\r\n\r\n\r\n4,日本,東京\r\n5,x,y',
  'blank-lines.csv': 'id,name,city\n\n1,a,b\n\n\n2,c,d\n3,"e\n\nf",g\n\n4,h,i\n\n',
  'ragged.csv': 'id,name,city\n1,a\n2,b,c,d\n3,"q,r",s\n4,t,u\n',
  'replay.errors.csv': 'id,name,city,bsync_row_number,bsync_error,bsync_quoted\n1,a,b,7,bad,\n2,\'=x,c,9,"also, bad",yes\n3,d,e,12,worse,\n',
};

describe('csvRowStarts and reading from a row start', () => {
  for (const [name, content] of Object.entries(FILES)) {
    it(`${name}: from each row's start, the same rows as reading from the top`, async () => {
      const filePath = file(name, content);
      const all = await rowsOf(filePath, undefined, 0);
      const starts = await csvRowStarts(filePath, undefined, all.map((row) => row.rowNumber));
      assert.ok(starts, 'a UTF-8 file has row starts');
      assert.deepEqual(starts.map((start) => start.rowNumber), all.slice(1).map((row) => row.rowNumber), 'every row after the first');
      for (const start of starts) {
        const fromStart = await rowsOf(filePath, undefined, start.rowNumber - 1, start);
        assert.deepEqual(fromStart, all.slice(start.rowNumber - 1), `from row ${start.rowNumber} (byte ${start.byte})`);
        const resumed = await rowsOf(filePath, undefined, start.rowNumber, start);
        assert.deepEqual(resumed, all.slice(start.rowNumber), `from row ${start.rowNumber}, resumed after it`);
      }
    });
  }

  it('a file of many read chunks: from a sample of row starts, the same rows as reading from the top', async () => {
    const lines = ['id,name,note'];
    for (let i = 1; i <= 4000; i += 1) {
      if (i % 11 === 0) lines.push('');
      lines.push(i % 7 === 0 ? `${i},"Zoë ${i}","a note\r\nover two lines, with ""quotes"""` : `${i},名前${i},plain`);
    }
    const filePath = file('many-chunks.csv', `${lines.join('\r\n')}\r\n`);
    const all = await rowsOf(filePath, undefined, 0);
    assert.equal(all.length, 4000);
    const wanted = all.filter((row) => row.rowNumber % 97 === 0 || row.rowNumber === all.length).map((row) => row.rowNumber);
    const starts = (await csvRowStarts(filePath, undefined, wanted))!;
    assert.equal(starts.length, wanted.length);
    for (const start of starts) {
      const fromStart = await rowsOf(filePath, undefined, start.rowNumber - 1, start);
      assert.deepEqual(fromStart, all.slice(start.rowNumber - 1), `from row ${start.rowNumber} (byte ${start.byte})`);
    }
  });

  it('a file in another encoding has no row starts (its bytes are transcoded before they are counted)', async () => {
    const filePath = file('latin1.csv', Buffer.from('id;name\n1;K\xf6ln\n2;x\n', 'latin1'));
    assert.equal(await csvRowStarts(filePath, { encoding: 'latin1', delimiter: ';' }, [2]), undefined);
  });

  it('refuses to resume before the row it starts at', async () => {
    const filePath = file('refuse.csv', FILES['lf.csv']);
    const [start] = (await csvRowStarts(filePath, undefined, [3]))!;
    assert.throws(() => readCsvRows(filePath, undefined, 1, start), /reading from row 3 cannot resume after row 1/);
  });
});
