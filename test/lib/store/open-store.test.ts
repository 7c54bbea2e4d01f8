import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { listBatches, openStore, type StoreConfig } from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

/** A runtime of its own (process and pool) that opens the store, migrating it if it has to, and parks one batch. */
function openInProcess(config: StoreConfig, startAt: number, groupType: string): Promise<void> {
  const script = `
    const { openStore, registerBatch } = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'lib', 'store'))});
    (async () => {
      const config = JSON.parse(process.argv[1]);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(process.argv[2]) - Date.now())));
      const store = await openStore(config);
      try {
        await registerBatch(store, { groupType: process.argv[3], kind: 'payload', payload: 'p', actor: 't' });
      } finally {
        await store.close();
      }
    })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, JSON.stringify(config), String(startAt), groupType], (error, _stdout, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(),
    );
  });
}

describeEachDatabase('openStore', (kind) => {
  it('lets several runtimes that deploy at the same moment migrate a new database once, and all of them work', { timeout: 60_000 }, async () => {
    const config = await freshDatabaseConfig(kind);
    const startAt = Date.now() + 1_500;
    await Promise.all([0, 1, 2, 3].map(() => openInProcess(config, startAt, 'deploy')));
    const store = await openStore(config);
    try {
      const migrations = await store.knex(store.tables.migrations).select('name');
      assert.deepEqual(
        migrations.map((row: { name: string }) => row.name),
        ['001-initial'],
        'each migration ran once',
      );
      assert.equal((await listBatches(store, { groupType: 'deploy' })).total, 4, 'every runtime parked its batch');
    } finally {
      await store.close();
    }
  });
});
