import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { findKeyMappings, openStore, writeKeyMappings, writeTransaction, type KeyMapRow, type Store } from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

describeEachDatabase('key map store', (kind) => {
  let store: Store;
  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });

  function counting<T>(work: () => Promise<T>): Promise<{ value: T; statements: string[] }> {
    const statements: string[] = [];
    const listener = (query: { sql: string }) => statements.push(query.sql);
    store.knex.on('query', listener);
    return work()
      .then((value) => ({ value, statements }))
      .finally(() => store.knex.removeListener('query', listener));
  }

  it('looks up many keys of one group type in one statement; a key of another group type is not found', async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ customerNo: `C-${i}` }));
    await writeTransaction(store, (trx) =>
      writeKeyMappings(store, trx, 'customers', keys.map((sourceKey, i) => ({ sourceKey, targetKey: String(9000 + i), contentHash: 'a'.repeat(64), batchId: 1, rowNumber: i + 1, originBatchId: 1 })), 1000),
    );
    await writeTransaction(store, (trx) =>
      writeKeyMappings(store, trx, 'suppliers', [{ sourceKey: keys[0], targetKey: 'S1', contentHash: 'b'.repeat(64), batchId: 2, rowNumber: 1, originBatchId: 2 }], 1000),
    );
    const wanted = [...keys.slice(0, 1200), JSON.stringify({ customerNo: 'unknown' })];
    const { value: found, statements } = await counting(() => findKeyMappings(store, 'customers', wanted));
    assert.equal(statements.length, 1);
    assert.equal(found.size, 1200);
    assert.deepEqual(found.get(keys[0]), { targetKey: '9000', contentHash: 'a'.repeat(64), originBatchId: 1 });
    assert.deepEqual(found.get(keys[1199]), { targetKey: '10199', contentHash: 'a'.repeat(64), originBatchId: 1 });
    assert.equal(found.has(JSON.stringify({ customerNo: 'unknown' })), false);
    assert.deepEqual((await findKeyMappings(store, 'suppliers', [keys[0]])).get(keys[0]), { targetKey: 'S1', contentHash: 'b'.repeat(64), originBatchId: 2 });
  });

  it('upserts on (group type, source key): the latest version wins, created_at stays the first', async () => {
    const key = JSON.stringify({ customerNo: 'U-1' });
    await writeTransaction(store, (trx) => writeKeyMappings(store, trx, 'upserts', [{ sourceKey: key, targetKey: null, contentHash: 'c'.repeat(64), batchId: 3, rowNumber: 4, originBatchId: 3 }], 5000));
    await writeTransaction(store, (trx) =>
      writeKeyMappings(
        store,
        trx,
        'upserts',
        [
          { sourceKey: key, targetKey: '77', contentHash: 'd'.repeat(64), batchId: 5, rowNumber: 6, originBatchId: 5 },
          { sourceKey: key, targetKey: '78', contentHash: 'e'.repeat(64), batchId: 5, rowNumber: 9, originBatchId: 5 },
        ],
        6000,
      ),
    );
    const rows = (await store.knex(store.tables.keyMap).where('group_type', 'upserts')) as KeyMapRow[];
    assert.equal(rows.length, 1);
    const [row] = rows;
    assert.deepEqual(
      [row.target_key, row.content_hash, Number(row.batch_id), Number(row.row_number), Number(row.created_at), Number(row.updated_at)],
      ['78', 'e'.repeat(64), 5, 9, 5000, 6000],
    );
  });

  it('a mapping written in a transaction that rolls back is not there', async () => {
    const key = JSON.stringify({ customerNo: 'RB-1' });
    await assert.rejects(
      writeTransaction(store, async (trx) => {
        await writeKeyMappings(store, trx, 'rollback', [{ sourceKey: key, targetKey: '1', contentHash: 'f'.repeat(64), batchId: 1, rowNumber: 1, originBatchId: 1 }], 1);
        throw new Error('window failed');
      }),
      /window failed/,
    );
    assert.equal((await findKeyMappings(store, 'rollback', [key])).size, 0);
  });
});
