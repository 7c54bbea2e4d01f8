import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import knexFactory from 'knex';
import { SourceConnection, SourceUnavailableError, type SourceConfig } from '../../../lib/source';
import { freePort } from '../../support/free-port';
import { eventually } from '../../support/node-red';
import { describeEachSource, freshSource } from '../../support/sources';
import { TcpProxy } from '../../support/tcp-proxy';

describeEachSource('SourceConnection', (kind) => {
  it('is unavailable with the reason while the source cannot be reached, retries, and recovers by itself', { timeout: 60_000 }, async () => {
    let config: SourceConfig;
    let bringUp: () => Promise<void>;
    let cleanup = async (): Promise<void> => undefined;
    if (kind === 'sqlite') {
      // A read-only source must exist: the file appears later, as a mount that comes back would.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-src-conn-'));
      const filename = path.join(dir, 'source.sqlite');
      config = { client: 'sqlite', filename };
      bringUp = async () => {
        const writer = knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
        await writer.raw('create table t (id integer primary key)');
        await writer.destroy();
      };
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    } else {
      const source = await freshSource(kind);
      const real = source.config;
      if (real.client === 'sqlite') throw new Error('expected a server');
      const proxy = new TcpProxy(await freePort(), { host: real.host, port: real.port! });
      config = { ...real, port: proxy.port };
      bringUp = () => proxy.up();
      cleanup = async () => {
        await proxy.down();
        await source.close();
      };
    }
    const connection = new SourceConnection(config, { retryMs: 100, maxRetryMs: 400 });
    const states: string[] = [];
    connection.on('state', (state: string) => states.push(state));
    try {
      await assert.rejects(connection.use(async () => 'never'), (error: unknown) => error instanceof SourceUnavailableError && /not available: .+/.test(error.message));
      assert.equal(connection.state, 'unavailable');
      assert.ok(connection.reason.length > 0);
      assert.ok(!/password/i.test(connection.reason), 'no secret in the reason');
      await bringUp();
      await eventually(() => connection.state === 'ready', 'the source to be back');
      assert.equal(await connection.use(async (source) => Number(Object.values((await source.knex.select(source.knex.raw('1 as one')).first()) ?? {})[0])), 1);
      assert.deepEqual(states.slice(0, 1), ['unavailable']);
      assert.equal(states.at(-1), 'ready');
    } finally {
      await connection.close();
      await cleanup();
    }
  });
});
