import assert from 'node:assert/strict';
import { migrationSource } from '../../../lib/store/migrations';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DatabaseUnavailableError, InvalidRequestError } from '../../../lib/errors';
import { listBatches, openStore, type StoreConfig } from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig, postgresSkipReason } from '../../support/stores';

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
      const known = (await migrationSource(store.tables).getMigrations([])).map((migration) => migration.name);
      assert.ok(known.length >= 2);
      assert.deepEqual(
        migrations.map((row: { name: string }) => row.name).sort(),
        [...known].sort(),
        'each migration ran once',
      );
      assert.equal((await listBatches(store, { groupType: 'deploy' })).total, 4, 'every runtime parked its batch');
    } finally {
      await store.close();
    }
  });
});

describeEachDatabase('openStore after a doubled migration lock row', (kind) => {
  it('opens a database whose migration lock table got a row from each of two racing runtimes', { timeout: 30_000 }, async () => {
    const config = await freshDatabaseConfig(kind);
    const first = await openStore(config);
    const lockTable = `${first.tables.migrations}_lock`;
    try {
      // What two runtimes inserting knex's lock row at the same moment leave behind.
      await first.knex(lockTable).insert({ is_locked: 0 });
      assert.equal((await first.knex(lockTable).select('index')).length, 2);
    } finally {
      await first.close();
    }
    const store = await openStore(config);
    try {
      assert.deepEqual(await store.knex(lockTable).select('is_locked'), [{ is_locked: 0 }], 'one lock row left, and free');
    } finally {
      await store.close();
    }
  });
});

describe('openStore on PostgreSQL', { skip: postgresSkipReason() }, () => {
  it('uses the password it is given and nothing else: neither PGPASSWORD nor a ~/.pgpass file', { timeout: 30_000 }, async () => {
    const config = await freshDatabaseConfig('postgres');
    if (config.client !== 'postgres') throw new Error('expected a PostgreSQL config');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-pgpass-'));
    const passFile = path.join(dir, '.pgpass');
    fs.writeFileSync(passFile, `*:*:*:*:${config.password}\n`, { mode: 0o600 });
    const saved = { PGPASSFILE: process.env.PGPASSFILE, PGPASSWORD: process.env.PGPASSWORD };
    try {
      for (const environment of [{ PGPASSFILE: passFile }, { PGPASSWORD: config.password! }]) {
        Object.assign(process.env, environment);
        await assert.rejects(
          openStore({ ...config, password: '' }),
          (error: unknown) => error instanceof DatabaseUnavailableError && !error.message.includes(config.password!),
          `no password configured, so none is sent, whatever ${Object.keys(environment)[0]} holds`,
        );
        for (const name of Object.keys(environment)) delete process.env[name];
      }
      const store = await openStore(config);
      await store.close();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a PostgreSQL store without a user or a database, in plain words, instead of taking them from the environment', async () => {
    const config = await freshDatabaseConfig('postgres');
    if (config.client !== 'postgres') throw new Error('expected a PostgreSQL config');
    await assert.rejects(openStore({ ...config, user: '' }), (error: unknown) => error instanceof InvalidRequestError && /needs a user/.test(error.message));
    await assert.rejects(openStore({ ...config, database: '' }), (error: unknown) => error instanceof InvalidRequestError && /needs a database/.test(error.message));
  });
});
