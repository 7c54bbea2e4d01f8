// sameParent compares two rows' parents without writing their keys: it must agree with comparing groupKeyOf.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupKeyOf, sameParent } from '../../../lib/grouping';

describe('sameParent', () => {
  const values: unknown[] = ['7', '007', 7, 7.0, -0, 0, '', null, undefined, true, 'true', [7], ['7'], { a: 1 }, { a: 1 }, { a: '1' }, 'Zoë', 'Zoe\u0308'];
  const records: Array<Record<string, unknown>> = [{}];
  for (const value of values) records.push({ accountId: value }, { accountId: value, region: 'EU' }, { region: value });

  it('agrees with comparing the group keys, for every pair of rows, on one column and on two', () => {
    for (const columns of [['accountId'], ['accountId', 'region']]) {
      for (const a of records) {
        for (const b of records) {
          assert.equal(sameParent(a, b, columns), groupKeyOf(a, columns) === groupKeyOf(b, columns), `${columns.join('+')}: ${JSON.stringify([a, b])} (${String(a.accountId)} / ${String(b.accountId)})`);
        }
      }
    }
  });

  it('agrees with the group keys for columns named like the prototype\'s properties', () => {
    const own = (column: string, value: unknown): Record<string, unknown> => Object.defineProperty({}, column, { value, enumerable: true, writable: true, configurable: true });
    for (const column of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const rows = [{}, own(column, 'x'), own(column, 'x'), own(column, ''), own(column, 7)];
      for (const a of rows) for (const b of rows) assert.equal(sameParent(a, b, [column]), groupKeyOf(a, [column]) === groupKeyOf(b, [column]), `${column}: ${JSON.stringify([a, b])}`);
    }
  });

  it('tells a missing column from an empty or a null one', () => {
    assert.equal(sameParent({}, { accountId: '' }, ['accountId']), false);
    assert.equal(sameParent({}, { accountId: null }, ['accountId']), false);
    assert.equal(sameParent({ accountId: 'A' }, { accountId: 'A', name: 'x' }, ['accountId']), true);
  });
});
