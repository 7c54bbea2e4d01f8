import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { DatabaseUnavailableError, InvalidRequestError, describeError } from '../errors';
import { KNEX_LOG } from './knex-log';
import { migrationSource } from './migrations';
import { DEFAULT_TABLE_PREFIX, tableNames, type TableNames } from './tables';

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

/** A database server reached over the network: MySQL/MariaDB through mysql2, PostgreSQL through pg. */
interface ServerConfig {
  host: string;
  port?: number;
  database: string;
  user: string;
  password?: string;
  /** The driver's TLS options (ca, cert, key, rejectUnauthorized), when the server asks for TLS. */
  ssl?: Record<string, unknown>;
  poolMax?: number;
  tablePrefix?: string;
}

export type StoreConfig =
  | { client: 'sqlite'; filename: string; tablePrefix?: string }
  | ({ client: 'mysql' } & ServerConfig)
  | ({ client: 'postgres' } & ServerConfig);

export const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;

/** One database: one knex pool, the table names of its prefix, and its dialect. */
export interface Store {
  readonly knex: Knex;
  readonly tables: TableNames;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

function knexConfig(config: StoreConfig): Knex.Config {
  if (config.client === 'sqlite') {
    fs.mkdirSync(path.dirname(path.resolve(config.filename)), { recursive: true });
    return {
      client: 'better-sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate: (connection: { pragma(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void) => {
          // WAL lets readers in other runtimes go on while one writes; the busy timeout makes writers wait, not fail.
          connection.pragma('journal_mode = WAL');
          connection.pragma('busy_timeout = 10000');
          connection.pragma('synchronous = NORMAL');
          done(null, connection);
        },
      },
    };
  }
  if (config.client === 'postgres') {
    // pg fills an empty user or database from PGUSER/PGDATABASE or the OS account: refuse them instead.
    if (!config.user) throw new InvalidRequestError('a PostgreSQL batch store needs a user');
    if (!config.database) throw new InvalidRequestError('a PostgreSQL batch store needs a database');
    const password = config.password ?? '';
    return {
      client: 'pg',
      connection: {
        host: config.host,
        port: config.port ?? DEFAULT_PORTS.postgres,
        database: config.database,
        user: config.user,
        // A function, so pg takes exactly this password: given a string that is empty, it would read
        // PGPASSWORD or the ~/.pgpass file instead, secrets nobody configured for this store.
        password: () => password,
        ssl: config.ssl,
        // Without it a pool waits forever for a server that does not answer; knex gives up at 10 s.
        connectionTimeoutMillis: 10000,
        application_name: 'node-red-batch-sync',
      },
      pool: { min: 0, max: config.poolMax ?? 10 },
      acquireConnectionTimeout: 10000,
    };
  }
  return {
    client: 'mysql2',
    connection: {
      host: config.host,
      port: config.port ?? DEFAULT_PORTS.mysql,
      database: config.database,
      user: config.user,
      password: config.password,
      ssl: config.ssl,
      supportBigNumbers: true,
      charset: 'utf8mb4',
    },
    pool: {
      min: 0,
      max: config.poolMax ?? 10,
      // READ COMMITTED for every transaction of the connection (see writeTransaction), set once here instead
      // of one more statement before each transaction.
      afterCreate: (connection: { query(sql: string, callback: (error: Error | null) => void): void }, done: (error: Error | null, connection: unknown) => void) => {
        connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', (error) => done(error, connection));
      },
    },
    acquireConnectionTimeout: 10000,
  };
}

/**
 * SQLite pools shared within this process, by file. better-sqlite3 waits for a lock synchronously, so two
 * pools on one file in one process would block the event loop that the lock holder needs to commit.
 * One pool per file serializes them instead; other processes still share the file through its locks.
 */
const sqlitePools = new Map<string, { knex: Knex; users: number; ready: Promise<void> }>();

/**
 * Opens the pool (or joins this process's pool for that SQLite file) and runs the migrations. Throws
 * DatabaseUnavailableError, with the driver's reason, when the database cannot be reached or migrated.
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const tables = tableNames(config.tablePrefix ?? DEFAULT_TABLE_PREFIX);
  const dialect: Dialect = config.client;
  const poolKey = config.client === 'sqlite' ? path.resolve(config.filename) : undefined;
  let shared = poolKey === undefined ? undefined : sqlitePools.get(poolKey);
  let knex: Knex;
  if (shared) {
    shared.users += 1;
    knex = shared.knex;
    await shared.ready.catch(() => undefined);
  } else {
    knex = knexFactory({ ...knexConfig(config), log: KNEX_LOG });
    if (poolKey !== undefined) {
      shared = { knex, users: 1, ready: Promise.resolve() };
      sqlitePools.set(poolKey, shared);
    }
  }
  const release = async () => {
    if (shared) {
      shared.users -= 1;
      if (shared.users > 0) return;
      sqlitePools.delete(poolKey!);
    }
    await knex.destroy();
  };

  const migrated = migrateLatest(knex, tables);
  if (shared) shared.ready = migrated;
  try {
    await migrated;
  } catch (error) {
    await release().catch(() => undefined);
    throw new DatabaseUnavailableError(`database ${describeTarget(config)} is not available: ${describeError(error)}`, error);
  }
  let closed = false;
  return {
    knex,
    tables,
    dialect,
    async close() {
      if (closed) return;
      closed = true;
      await release();
    },
  };
}

/** How long a deploy waits for another runtime that is migrating the same database right now. */
const MIGRATION_WAIT_MS = 60_000;

/**
 * Runs the migrations; when another runtime is migrating the same database at this moment, waits and
 * tries again instead of failing the deploy.
 */
async function migrateLatest(knex: Knex, tables: TableNames): Promise<void> {
  const deadline = Date.now() + MIGRATION_WAIT_MS;
  for (;;) {
    try {
      await knex.migrate.latest({ migrationSource: migrationSource(tables), tableName: tables.migrations });
      return;
    } catch (error) {
      if (!racedWithAnotherRuntime(error) || Date.now() >= deadline) throw error;
      if ((error as Error).name === 'MigrationLocked') await keepOneLockRow(knex, tables);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
  }
}

/**
 * knex looks for the row of its migration lock table before inserting it, so runtimes that create a new
 * database's tables at the same moment can insert one each; with two rows the lock can never be taken
 * again (its update must change exactly one), and every later deploy would fail. Keep the first row.
 */
async function keepOneLockRow(knex: Knex, tables: TableNames): Promise<void> {
  const lockTable = `${tables.migrations}_lock`;
  const rows = (await knex(lockTable).select('index').orderBy('index')) as { index: number | string }[];
  if (rows.length > 1) await knex(lockTable).where('index', '>', rows[0].index).del();
}

/**
 * Another runtime holds knex's migration lock, or SQLite's write lock; or it created knex's own migration
 * tables between our look and our CREATE TABLE (SQLite and MySQL say the table already exists; PostgreSQL
 * says so (42P07) or fails on its catalog's unique index (23505)). The next attempt finds them there.
 */
function racedWithAnotherRuntime(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  return (
    error.name === 'MigrationLocked' ||
    /SQLITE_BUSY|database is locked/.test(error.message) ||
    /already exists/.test(error.message) ||
    code === 'ER_TABLE_EXISTS_ERROR' ||
    code === '42P07' ||
    (code === '23505' && /pg_type|pg_class|pg_namespace/.test(error.message))
  );
}

export function describeTarget(config: StoreConfig): string {
  if (config.client === 'sqlite') return `SQLite ${config.filename}`;
  const server = config.client === 'postgres' ? 'PostgreSQL' : 'MySQL';
  return `${server} ${config.user}@${config.host}:${config.port ?? DEFAULT_PORTS[config.client]}/${config.database}`;
}
