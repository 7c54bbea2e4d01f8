// A checkpoint window of good rows is one transaction of as few statements as the database allows: BEGIN,
// the guarded UPDATE of the batch row (counters, checkpoint, lease), COMMIT. No statement of its own to take
// SQLite's write lock (the UPDATE takes it) and no SET TRANSACTION on MySQL/MariaDB (their connections are
// READ COMMITTED for the session). With key matching, one more: the upsert of the window's mappings.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { openStore, writeCheckpointWindow, type CheckpointWindow, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, writeCsv, type Folders } from '../../support/batch-fixture';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

describeEachDatabase('statements of a checkpoint window', (kind) => {
  let store: Store;
  let folders: Folders;
  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    folders = makeFolders();
  });
  after(async () => {
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  async function statementsOf(work: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const listener = (query: { sql: string }) => seen.push(query.sql);
    store.knex.on('query', listener);
    try {
      await work();
    } finally {
      store.knex.off('query', listener);
    }
    return seen;
  }

  it('writes a window of 1,000 good rows in 3 statements, and 4 with key mappings', async () => {
    writeCsv(folders, 'window.csv', [HEADER, employeeRow(1)]);
    const batch = await parkAndClaim(store, folders, 'window.csv', 'runtime-statements');
    const window: CheckpointWindow = {
      batchId: batch.id,
      groupType: batch.group_type,
      groupId: batch.group_id,
      owner: 'runtime-statements',
      claimAttempt: batch.attempts,
      checkpointRow: 1000,
      processed: 1000,
      succeeded: 1000,
      failed: 0,
      failures: [],
      resolvedRows: [],
      leaseUntil: Date.now() + 60_000,
    };
    const plain = await statementsOf(() => writeCheckpointWindow(store, window));
    assert.equal(plain.length, 3, `statements: ${plain.join(' | ')}`);
    const mappings = Array.from({ length: 1000 }, (_, i) => ({ sourceKey: `{"k":"${i}"}`, targetKey: `t-${i}`, contentHash: 'a'.repeat(64), batchId: batch.id, rowNumber: 1001 + i, originBatchId: batch.id }));
    const keyed = await statementsOf(() => writeCheckpointWindow(store, { ...window, checkpointRow: 2000, mappings }));
    assert.equal(keyed.length, 4, `statements: ${keyed.join(' | ')}`);
    const row = await store.knex(store.tables.batch).where('id', batch.id).first();
    assert.deepEqual([Number(row.checkpoint_row), Number(row.processed_rows)], [2000, 2000]);
  });
});
