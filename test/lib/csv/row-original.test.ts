// rowOriginal writes the JSON of a row's columns directly: it must be the text JSON.stringify gives for the
// object built column by column (the way it was built before), for every header, odd names included.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowOriginal } from '../../../lib/csv';

/** The plain way: an object defined column by column, then JSON.stringify. */
function builtAndStringified(record: Record<string, string>, fields: string[], columns: string[]): string {
  const object: Record<string, unknown> = {};
  for (const column of columns) {
    if (!Object.prototype.hasOwnProperty.call(record, column)) continue;
    Object.defineProperty(object, column, { value: record[column], writable: true, enumerable: true, configurable: true });
  }
  if (fields.length !== columns.length) Object.assign(object, { bsync_fields: fields, bsync_columns: columns });
  return JSON.stringify(object);
}

function rowOf(columns: string[], fields: string[]): { record: Record<string, string>; fields: string[] } {
  const record: Record<string, string> = {};
  columns.forEach((column, index) => {
    if (index < fields.length) Object.defineProperty(record, column, { value: fields[index], writable: true, enumerable: true, configurable: true });
  });
  return { record, fields };
}

describe('rowOriginal', () => {
  const headers: string[][] = [
    ['employeeNumber', 'iban'],
    ['b', '1', 'a', '0', '4294967294', '4294967295', '01', '-1', '1.5'],
    ['__proto__', 'constructor', 'toString'],
    ['naïve "quoted"', 'back\\slash', 'tab\there', '😀', ''],
    ['id'],
  ];
  const values = ['', 'plain', 'Zoë "Z"', 'line\nbreak', '\u2028\u2029', 'lone \ud800 surrogate', '{"json":1}'];

  for (const columns of headers) {
    it(`is JSON.stringify of the row's object for the header ${JSON.stringify(columns)}`, () => {
      const full = columns.map((_, index) => values[index % values.length]);
      for (const fields of [full, full.slice(0, -1), [...full, 'EXTRA']]) {
        const row = rowOf(columns, fields);
        assert.equal(rowOriginal(row, columns), builtAndStringified(row.record, fields, columns));
      }
    });
  }

  it('puts an array-index column first, as JSON.stringify does, and keeps the order of the others', () => {
    const columns = ['b', '1', 'a'];
    assert.equal(rowOriginal(rowOf(columns, ['x', 'y', 'z']), columns), '{"1":"y","b":"x","a":"z"}');
  });

  it('leaves out a column the record lacks, and writes an empty record as {}', () => {
    assert.equal(rowOriginal({ record: { b: '2' }, fields: ['1', '2'] }, ['a', 'b']), '{"b":"2"}');
    assert.equal(rowOriginal({ record: {}, fields: ['1'] }, ['a']), '{}');
  });

  it('gives the same text for a header repeated in a column list (one key, the last value)', () => {
    const columns = ['a', 'a'];
    const row = { record: { a: 'v' }, fields: ['v', 'w'] };
    assert.equal(rowOriginal(row, columns), builtAndStringified(row.record, row.fields, columns));
  });
});
