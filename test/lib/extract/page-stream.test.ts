import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, it } from 'node:test';
import { PAGE_STREAM_HIGH_WATER_MARK, streamRows } from '../../../lib/extract/page-stream';
import { openSource, type Source } from '../../../lib/source';
import { describeEachSource, freshSource, type TestSource } from '../../support/sources';

const ROWS = PAGE_STREAM_HIGH_WATER_MARK * 8;

describeEachSource('a page read through the driver stream', (kind) => {
  let source: TestSource;
  let reader: Source;

  beforeEach(async () => {
    source = await freshSource(kind);
    await source.writer.schema.createTable('numbers', (t) => {
      t.integer('id').primary();
      t.string('label', 40).notNullable();
    });
    const rows = Array.from({ length: ROWS }, (_, index) => ({ id: index + 1, label: `row ${index + 1}` }));
    await source.writer.batchInsert('numbers', rows, 200);
    // One connection: a stream that kept it would leave the next query waiting for ever.
    reader = await openSource({ ...source.config, poolMax: 1 });
  });
  afterEach(async () => {
    await reader.close();
    await source.close();
  });

  const page = (limit: number) => reader.knex.select('id', 'label').from('numbers').orderBy('id').limit(limit);

  it('hands over a page larger than its buffer whole and in order to a slow reader', async () => {
    const ids: number[] = [];
    for await (const row of streamRows(reader, page(ROWS))) {
      ids.push(Number(row.id));
      // A reader slower than the database: the driver must wait for it, not drop or reorder rows.
      if (ids.length % PAGE_STREAM_HIGH_WATER_MARK === 0) await sleep(20);
    }
    assert.equal(ids.length, ROWS);
    assert.ok(ids.every((id, index) => id === index + 1), 'rows in key order, none missing');
  });

  it('a reader that stops early gives the connection back ready for the next query', async () => {
    let seen = 0;
    for await (const row of streamRows(reader, page(ROWS))) {
      seen += 1;
      assert.equal(Number(row.id), seen);
      if (seen === 10) break;
    }
    assert.equal(seen, 10);
    const again: number[] = [];
    for await (const row of streamRows(reader, page(3))) again.push(Number(row.id));
    assert.deepEqual(again, [1, 2, 3]);
    const [{ count }] = await reader.knex('numbers').count({ count: '*' });
    assert.equal(Number(count), ROWS);
  });

  it('a query the database refuses fails the stream and frees the connection', async () => {
    const broken = reader.knex.select('nope').from('numbers');
    await assert.rejects(async () => {
      for await (const _row of streamRows(reader, broken)) assert.fail('no row of a refused query');
    }, /nope/);
    const rows: unknown[] = [];
    for await (const row of streamRows(reader, page(2))) rows.push(row.label);
    assert.deepEqual(rows, ['row 1', 'row 2']);
  });
});
