import assert from 'node:assert/strict';
import fs from 'node:fs';
import { afterEach, beforeEach, it } from 'node:test';
import { parseExtractSettings, runExtract } from '../../../lib/extract';
import { openSource, type Source } from '../../../lib/source';
import { openStore, type Store } from '../../../lib/store';
import { describeEachSource, freshSource, type TestSource } from '../../support/sources';
import { freshDatabaseConfig } from '../../support/stores';
import { batchRecords, tempFolder } from '../extract/extract-fixture';

const DOC = { tags: ['a', 'b'], nested: { amount: '12.30', none: null, yes: true }, text: 'Zürich' };
const UNICODE = 'Zürich 東京 ✓ 😀 "quoted" \\ back\nslash';

describeEachSource('values that survive the extract', (kind) => {
  let source: TestSource;
  let reader: Source;
  let store: Store;
  let folder: string;

  beforeEach(async () => {
    source = await freshSource(kind);
    await source.writer.schema.createTable('kinds', (t) => {
      t.integer('id').primary();
      t.timestamp('happened_at', { useTz: true, precision: 6 }).notNullable();
      // knex writes decimal as "float" on SQLite; a source system's own DDL says decimal(18,2).
      if (kind === 'sqlite') t.specificType('amount', 'decimal(18,2)').nullable();
      else t.decimal('amount', 18, 2).nullable();
      t.bigInteger('big').nullable();
      t.json('doc').nullable();
      t.text('note').nullable();
      t.string('name', 200).nullable();
    });
    reader = await openSource(source.config);
    store = await openStore(await freshDatabaseConfig('sqlite'));
    folder = tempFolder();
  });
  afterEach(async () => {
    await reader.close();
    await store.close();
    await source.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  // SQLite itself keeps at most 15 significant digits of a decimal it stores as REAL: 18 digits do not
  // survive its INSERT, whoever reads them. What it holds is read exactly.
  const money = kind === 'sqlite' ? '9999999999999.99' : '1234567890123456.78';

  it('times with zone as ISO 8601 UTC, decimal(18,2) and bigint as text, JSON as values, nulls as null, unicode as is', async () => {
    await source.writer('kinds').insert([
      { id: 1, happened_at: source.time('2026-03-29T01:30:00.123456Z'), amount: money, big: '9007199254740993', doc: JSON.stringify(DOC), note: null, name: UNICODE },
      { id: 2, happened_at: source.time('1999-12-31T23:59:59Z'), amount: '-0.10', big: '-9223372036854775808', doc: null, note: '', name: '' },
      { id: 3, happened_at: source.time('2026-01-01T00:00:00.5Z'), amount: '0.00', big: '0', doc: JSON.stringify([1, 2.5, 'x']), note: 'n', name: null },
    ]);
    const run = await runExtract(
      { source: reader, store, actor: 'test' },
      parseExtractSettings({ name: 'kinds', table: 'kinds', keyColumns: ['id'], groupType: 'kinds', folder }),
    );
    const records = await batchRecords(run.batches[0]);
    assert.deepEqual(records, [
      { id: 1, happened_at: '2026-03-29T01:30:00.123456Z', amount: money, big: '9007199254740993', doc: DOC, note: null, name: UNICODE },
      { id: 2, happened_at: '1999-12-31T23:59:59Z', amount: '-0.10', big: '-9223372036854775808', doc: null, note: '', name: '' },
      { id: 3, happened_at: '2026-01-01T00:00:00.5Z', amount: '0.00', big: '0', doc: [1, 2.5, 'x'], note: 'n', name: null },
    ]);
    // The watermark holds the id as the database gave it: a number.
    assert.deepEqual(run.watermark, { id: 3 });
  });

  it('booleans as true/false on every database; a number a boolean column holds besides 0 and 1 is kept', async () => {
    // knex's boolean: PostgreSQL boolean, MySQL/MariaDB tinyint(1) (what BOOLEAN is there), SQLite BOOLEAN.
    await source.writer.schema.createTable('flags', (t) => {
      t.integer('id').primary();
      t.boolean('active').nullable();
    });
    await source.writer('flags').insert([
      { id: 1, active: true },
      { id: 2, active: false },
      { id: 3, active: null },
    ]);
    // tinyint(1) and SQLite let in other numbers; PostgreSQL's boolean does not.
    if (kind !== 'postgres') await source.writer('flags').insert({ id: 4, active: 2 });
    const extract = (input: Record<string, unknown>) =>
      runExtract({ source: reader, store, actor: 'test' }, parseExtractSettings({ keyColumns: ['id'], groupType: 'flags', folder, ...input }));
    const expected = [
      { id: 1, active: true },
      { id: 2, active: false },
      { id: 3, active: null },
      ...(kind === 'postgres' ? [] : [{ id: 4, active: 2 }]),
    ];
    assert.deepEqual(await batchRecords((await extract({ name: 'flags', table: 'flags' })).batches[0]), expected);

    // A saved query: PostgreSQL and MySQL/MariaDB say the column's type with each result; SQLite does not,
    // so its 0 and 1 stay numbers there.
    const queried = await batchRecords((await extract({ name: 'flags-query', query: 'select id, active from flags' })).batches[0]);
    assert.deepEqual(queried, kind === 'sqlite' ? [{ id: 1, active: 1 }, { id: 2, active: 0 }, { id: 3, active: null }, { id: 4, active: 2 }] : expected);
  });
});
