// Real databases for the tests: a fresh SQLite file, or a fresh database on the suite's MariaDB or
// PostgreSQL server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { openStore, type Store, type StoreConfig } from '../../lib/store';
import type { MariaDbConnection } from './mariadb-server';
import type { PostgresConnection } from './postgres-server';

export type DatabaseKind = 'sqlite' | 'mariadb' | 'postgres';

/** Set by scripts/run-tests.js when it started a MariaDB server for this run. */
export function mariaDbConnection(): MariaDbConnection | undefined {
  const value = process.env.BSYNC_MARIADB;
  return value ? (JSON.parse(value) as MariaDbConnection) : undefined;
}

export function mariaDbSkipReason(): string | false {
  if (mariaDbConnection()) return false;
  const reason = process.env.BSYNC_MARIADB_SKIPPED ?? 'no MariaDB server was started for this run (run the suite with npm test)';
  if (process.env.BSYNC_REQUIRE_MARIADB === '1') {
    throw new Error(`BSYNC_REQUIRE_MARIADB=1 but MariaDB is not available: ${reason}`);
  }
  return `MariaDB tests skipped: ${reason}`;
}

/** Set by scripts/run-tests.js when it started a PostgreSQL server for this run. */
export function postgresConnection(): PostgresConnection | undefined {
  const value = process.env.BSYNC_POSTGRES;
  return value ? (JSON.parse(value) as PostgresConnection) : undefined;
}

export function postgresSkipReason(): string | false {
  if (postgresConnection()) return false;
  const reason = process.env.BSYNC_POSTGRES_SKIPPED ?? 'no PostgreSQL server was started for this run (run the suite with npm test)';
  if (process.env.BSYNC_REQUIRE_POSTGRES === '1') {
    throw new Error(`BSYNC_REQUIRE_POSTGRES=1 but PostgreSQL is not available: ${reason}`);
  }
  return `PostgreSQL tests skipped: ${reason}`;
}

let counter = 0;

/** A config for a new, empty database of that kind. */
export async function freshDatabaseConfig(kind: DatabaseKind, tablePrefix?: string): Promise<StoreConfig> {
  counter += 1;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-sqlite-'));
    return { client: 'sqlite', filename: path.join(dir, 'bsync.sqlite'), tablePrefix };
  }
  const database = `bsync_t${process.pid}_${counter}_${Date.now() % 100000}`;
  if (kind === 'postgres') {
    const server = postgresConnection();
    if (!server) throw new Error('no PostgreSQL server for this run');
    const admin = new Client(server);
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database}" ENCODING 'UTF8'`);
    } finally {
      await admin.end();
    }
    return { client: 'postgres', host: server.host, port: server.port, user: server.user, password: server.password, database, tablePrefix };
  }
  const server = mariaDbConnection();
  if (!server) throw new Error('no MariaDB server for this run');
  const admin = await mysql.createConnection(server);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await admin.end();
  return { client: 'mysql', ...server, database, tablePrefix };
}

export async function openTestStore(kind: DatabaseKind, tablePrefix?: string): Promise<Store> {
  return openStore(await freshDatabaseConfig(kind, tablePrefix));
}

/** Runs a test on a store of a new, empty database, closed afterwards. */
export async function withFreshStore(kind: DatabaseKind, test: (store: Store) => Promise<void>): Promise<void> {
  const store = await openTestStore(kind);
  try {
    await test(store);
  } finally {
    await store.close();
  }
}

/**
 * Runs a suite once per database: SQLite always, MariaDB and PostgreSQL when the run has their servers
 * (skipped with the reason otherwise; an error when BSYNC_REQUIRE_MARIADB=1 / BSYNC_REQUIRE_POSTGRES=1).
 */
export function describeEachDatabase(name: string, suite: (kind: DatabaseKind) => void): void {
  describe(`${name} (sqlite)`, () => suite('sqlite'));
  describe(`${name} (mariadb)`, { skip: mariaDbSkipReason() }, () => suite('mariadb'));
  describe(`${name} (postgres)`, { skip: postgresSkipReason() }, () => suite('postgres'));
}
