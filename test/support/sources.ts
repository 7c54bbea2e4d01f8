// Real source databases for the extract tests: a fresh SQLite file, a fresh database on the run's MariaDB
// server (BSYNC_MARIADB), or on its PostgreSQL server (BSYNC_POSTGRES). Each comes with a writer (a
// read-write knex the test sets up and changes rows through) and the read-only source config under test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { SourceConfig } from '../../lib/source';
import { mariaDbConnection, mariaDbSkipReason } from './stores';

export type SourceKind = 'sqlite' | 'mariadb' | 'postgres';

export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** An admin database the tests may CREATE DATABASE from. */
  database: string;
}

export function postgresConnection(): PostgresConnection | undefined {
  const value = process.env.BSYNC_POSTGRES;
  return value ? (JSON.parse(value) as PostgresConnection) : undefined;
}

export function postgresSkipReason(): string | false {
  if (postgresConnection()) return false;
  const reason = process.env.BSYNC_POSTGRES_SKIPPED ?? 'no PostgreSQL server was started for this run (BSYNC_POSTGRES is not set)';
  if (process.env.BSYNC_REQUIRE_POSTGRES === '1') {
    throw new Error(`BSYNC_REQUIRE_POSTGRES=1 but PostgreSQL is not available: ${reason}`);
  }
  return `PostgreSQL tests skipped: ${reason}`;
}

export interface TestSource {
  kind: SourceKind;
  /** Read-write: creates tables and changes rows, as the source system would. */
  writer: Knex;
  /** What the source-database node would be configured with (read-only use). */
  config: SourceConfig;
  /** A time as the writer stores it in a timestamp column (given as ISO 8601 UTC with microseconds). */
  time(iso: string): string;
  close(): Promise<void>;
}

let counter = 0;

/** A new, empty source database of that kind. */
export async function freshSource(kind: SourceKind): Promise<TestSource> {
  counter += 1;
  const database = `bsync_src${process.pid}_${counter}_${Date.now() % 100000}`;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-source-'));
    const filename = path.join(dir, 'source.sqlite');
    const writer = knexFactory({
      client: 'better-sqlite3',
      connection: { filename },
      useNullAsDefault: true,
      pool: { min: 1, max: 1, afterCreate: (db: { pragma(sql: string): unknown }, done: (error: Error | null, db: unknown) => void) => { db.pragma('journal_mode = WAL'); done(null, db); } },
    });
    await writer.raw('select 1');
    return {
      kind,
      writer,
      config: { client: 'sqlite', filename },
      // SQLite has no time type: the source system keeps ISO 8601 text.
      time: (iso) => iso,
      close: async () => {
        await writer.destroy();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (kind === 'mariadb') {
    const server = mariaDbConnection();
    if (!server) throw new Error('no MariaDB server for this run');
    const admin = await mysql.createConnection(server);
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
    await admin.end();
    const writer = knexFactory({
      client: 'mysql2',
      connection: { ...server, database, charset: 'utf8mb4', timezone: 'Z' },
      pool: { min: 0, max: 2, afterCreate: (conn: { query(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => conn.query("SET time_zone = '+00:00'", (error) => done(error, conn)) },
    });
    return {
      kind,
      writer,
      config: { client: 'mysql', ...server, database },
      time: (iso) => iso.replace('T', ' ').replace(/Z$/, ''),
      close: async () => {
        await writer.destroy();
        const cleanup = await mysql.createConnection(server);
        await cleanup.query(`DROP DATABASE IF EXISTS \`${database}\``);
        await cleanup.end();
      },
    };
  }
  const server = postgresConnection();
  if (!server) throw new Error('no PostgreSQL server for this run');
  const admin = new pg.Client(server);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const connection = { ...server, database };
  const writer = knexFactory({ client: 'pg', connection, pool: { min: 0, max: 2 } });
  return {
    kind,
    writer,
    config: { client: 'pg', ...connection },
    time: (iso) => iso,
    close: async () => {
      await writer.destroy();
      const cleanup = new pg.Client(server);
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/**
 * Runs a suite once per source database: SQLite always; MariaDB when the run has a server (BSYNC_MARIADB);
 * PostgreSQL when it has one (BSYNC_POSTGRES). Skipped with the reason otherwise; an error when
 * BSYNC_REQUIRE_MARIADB=1 / BSYNC_REQUIRE_POSTGRES=1.
 */
export function describeEachSource(name: string, suite: (kind: SourceKind) => void): void {
  describe(`${name} (sqlite source)`, () => suite('sqlite'));
  describe(`${name} (mariadb source)`, { skip: mariaDbSkipReason() }, () => suite('mariadb'));
  describe(`${name} (postgres source)`, { skip: postgresSkipReason() }, () => suite('postgres'));
}
