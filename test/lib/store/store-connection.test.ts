import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { DatabaseUnavailableError } from '../../../lib/errors';
import { DEFAULT_PORTS, StoreConnection, registerBatch, type StoreConfig } from '../../../lib/store';
import { freePort } from '../../support/free-port';
import { eventually } from '../../support/node-red';
import { describeEachDatabase, freshDatabaseConfig, postgresConnection, postgresSkipReason } from '../../support/stores';
import { TcpProxy } from '../../support/tcp-proxy';

describeEachDatabase('StoreConnection', (kind) => {
  it('reports unavailable with the reason, retries, and recovers when the database comes back', { timeout: 60_000 }, async () => {
    let config: StoreConfig;
    let bringDown: () => Promise<void>;
    let bringUp: () => Promise<void>;
    if (kind === 'sqlite') {
      // The database file's folder cannot be created while a plain file stands in its place.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-conn-'));
      const blocker = path.join(dir, 'db');
      config = { client: 'sqlite', filename: path.join(blocker, 'bsync.sqlite') };
      bringDown = async () => fs.writeFileSync(blocker, 'not a folder');
      bringUp = async () => fs.rmSync(blocker);
    } else {
      const real = await freshDatabaseConfig(kind);
      if (real.client === 'sqlite') throw new Error(`expected a server config for ${kind}`);
      const proxy = new TcpProxy(await freePort(), { host: real.host, port: real.port ?? DEFAULT_PORTS[real.client] });
      config = { ...real, port: proxy.port };
      bringDown = () => proxy.down();
      bringUp = () => proxy.up();
    }
    await bringDown();
    const connection = new StoreConnection(config, { retryMs: 100, maxRetryMs: 400 });
    const states: string[] = [];
    connection.on('state', (state: string) => states.push(state));
    try {
      await assert.rejects(connection.get(), (error: unknown) => error instanceof DatabaseUnavailableError && /not available/.test(error.message));
      assert.equal(connection.state, 'unavailable');
      assert.ok(connection.reason.length > 0, 'the reason is kept for the node status');

      await bringUp();
      const store = await eventually(async () => (connection.state === 'ready' ? connection.get() : undefined), 'the store to come back');
      const batch = await registerBatch(store, { groupType: 'g', kind: 'payload', payload: 'x', actor: 't' });
      assert.ok(batch.id > 0);

      if (kind !== 'sqlite') {
        // Down while in use: the failing call says so, the connection checks until the database is back.
        await bringDown();
        await assert.rejects(
          connection.use((s) => registerBatch(s, { groupType: 'g', kind: 'payload', payload: 'y', actor: 't' })),
          DatabaseUnavailableError,
        );
        assert.equal(connection.state, 'unavailable');
        await bringUp();
        await eventually(() => connection.state === 'ready', 'recovery without a redeploy');
        const again = await connection.use((s) => registerBatch(s, { groupType: 'g', kind: 'payload', payload: 'z', actor: 't' }));
        assert.ok(again.id > batch.id);
      }
      assert.deepEqual(states.slice(0, 2), ['unavailable', 'ready']);
    } finally {
      await connection.close();
      await bringDown().catch(() => undefined);
    }
  });
});

describe('StoreConnection on PostgreSQL', { skip: postgresSkipReason() }, () => {
  it('turns unavailable when the server ends its session (57P01 admin shutdown), and recovers', { timeout: 60_000 }, async () => {
    const config = await freshDatabaseConfig('postgres');
    if (config.client !== 'postgres') throw new Error('expected a PostgreSQL config');
    const connection = new StoreConnection(config, { retryMs: 100, maxRetryMs: 400 });
    const admin = new Client(postgresConnection()!);
    await admin.connect();
    try {
      const store = await connection.get();
      const sleeping = connection.use((s) => s.knex.raw('select pg_sleep(30)'));
      const caught = sleeping.then(
        () => undefined,
        (error: unknown) => error,
      );
      await eventually(async () => {
        const { rowCount } = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query like 'select pg_sleep%'",
          [config.database],
        );
        return (rowCount ?? 0) > 0;
      }, 'the sleeping session to be ended by the server');
      const error = await caught;
      assert.ok(error instanceof DatabaseUnavailableError, `a DatabaseUnavailableError, not ${String(error)}`);
      assert.match(error.message, /terminating connection due to administrator command/);
      assert.equal((error.cause as { code?: string }).code, '57P01');
      assert.equal(connection.state, 'unavailable');
      await eventually(() => connection.state === 'ready', 'recovery without a redeploy');
      const batch = await connection.use((s) => registerBatch(s, { groupType: 'g', kind: 'payload', payload: 'after', actor: 't' }));
      assert.ok(batch.id > 0);
      assert.equal(store, await connection.get(), 'the same pool, with the ended session dropped from it');
    } finally {
      await admin.end();
      await connection.close();
    }
  });
});
