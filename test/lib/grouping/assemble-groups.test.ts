import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupAssembler, groupKeyOf, readGroupOriginal, groupOriginal, readItemResults } from '../../../lib/grouping';

interface Row {
  rowNumber: number;
  record?: Record<string, unknown>;
}

function source(rows: Row[]) {
  let next = 0;
  return { next: async () => rows[next++] };
}

async function groupsOf(rows: Row[], maxRows: number): Promise<Array<{ members: number[]; unsendable: number[] }>> {
  const assembler = new GroupAssembler<Row>(source(rows), ['accountId'], maxRows, (row) => row.record);
  const groups = [];
  for (let group = await assembler.next(); group; group = await assembler.next()) {
    groups.push({ members: group.members.map((row) => row.rowNumber), unsendable: group.unsendable.map((row) => row.rowNumber) });
  }
  return groups;
}

const row = (rowNumber: number, accountId: unknown): Row => ({ rowNumber, record: { accountId, name: `contact ${rowNumber}` } });

describe('GroupAssembler', () => {
  it('cuts a long run of one parent into calls of at most the maximum, in order', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => row(i + 1, 'A-1'));
    const groups = await groupsOf(rows, 100);
    assert.deepEqual(
      groups.map((group) => [group.members[0], group.members.length]),
      [
        [1, 100],
        [101, 100],
        [201, 50],
      ],
    );
  });

  it('starts a group at each change of parent, and again for a parent that shows up later', async () => {
    const groups = await groupsOf([row(1, 'A'), row(2, 'A'), row(3, 'B'), row(4, 'A'), row(5, 'A')], 100);
    assert.deepEqual(
      groups.map((group) => group.members),
      [[1, 2], [3], [4, 5]],
    );
  });

  it('compares the values as read, exactly: "007" and "7", 7 and "7" are different parents', async () => {
    const groups = await groupsOf([row(1, '007'), row(2, '7'), row(3, 7), row(4, 7)], 100);
    assert.deepEqual(
      groups.map((group) => group.members),
      [[1], [2], [3, 4]],
    );
    assert.notEqual(groupKeyOf({}, ['accountId']), groupKeyOf({ accountId: null }, ['accountId']), 'a missing column is not null');
  });

  it('keeps a row that cannot be sent out of the groups, settled with the group it was read in', async () => {
    const groups = await groupsOf([{ rowNumber: 1 }, row(2, 'A'), { rowNumber: 3 }, row(4, 'A'), row(5, 'B')], 100);
    assert.deepEqual(groups, [
      { members: [], unsendable: [1] },
      { members: [2, 4], unsendable: [3] },
      { members: [5], unsendable: [] },
    ]);
  });
});

describe('readItemResults', () => {
  it('reads positions and {index, error} objects; nothing means every item succeeded', () => {
    assert.deepEqual(readItemResults(undefined, 3), { ok: true, failed: [] });
    assert.deepEqual(readItemResults([], 3), { ok: true, failed: [] });
    assert.deepEqual(readItemResults([2, { index: 0, error: 'email taken' }], 3), {
      ok: true,
      failed: [
        { index: 0, error: 'email taken' },
        { index: 2, error: 'the downstream reported this item as failed' },
      ],
    });
    // JSONata gives a single match as the value itself.
    assert.deepEqual(readItemResults(1, 3), { ok: true, failed: [{ index: 1, error: 'the downstream reported this item as failed' }] });
  });

  it('refuses a position outside the call, or a value that is no position, in plain words', () => {
    const outside = readItemResults([3], 3);
    assert.equal(outside.ok, false);
    assert.match((outside as { error: string }).error, /position 3, but the call sent 3 items \(positions 0 to 2\)/);
    assert.equal(readItemResults([1.5], 3).ok, false);
    assert.equal(readItemResults([-1], 3).ok, false);
    assert.match((readItemResults(['x'], 3) as { error: string }).error, /0-based positions or \{index, error\} objects, not "x"/);
    assert.match((readItemResults([{ error: 'no index' }], 3) as { error: string }).error, /has no numeric index/);
  });
});

describe('group originals', () => {
  it('keeps every row as read with its row number and key, and is never taken for a single row', () => {
    const text = groupOriginal([
      { rowNumber: 4, idempotencyKey: 'bsync-9-4', original: '{"accountId":"A","name":"x"}' },
      { rowNumber: 5, idempotencyKey: 'bsync-9-5', original: '{"accountId":"A","name":"y"}' },
    ]);
    assert.deepEqual(readGroupOriginal(text), [
      { rowNumber: 4, idempotencyKey: 'bsync-9-4', original: '{"accountId":"A","name":"x"}' },
      { rowNumber: 5, idempotencyKey: 'bsync-9-5', original: '{"accountId":"A","name":"y"}' },
    ]);
    assert.equal(readGroupOriginal('{"accountId":"A"}'), undefined);
    assert.equal(readGroupOriginal('[1,2]'), undefined);
    assert.equal(readGroupOriginal(null), undefined);
  });
});
