import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { Query as PgQuery } from 'pg';
import type { Source } from '../source/open-source';

/**
 * Rows a stream holds before the driver is paused. The driver stops reading the socket (pg, mysql2) or is
 * not asked for the next row (SQLite) until the file has taken them, so memory is bounded by this, not by
 * the page size.
 */
export const PAGE_STREAM_HIGH_WATER_MARK = 1024;

type Row = Record<string, unknown>;

/**
 * One query's rows, as the driver reads them, on a connection of the source's pool held for the query.
 * knex's own .stream() is not used: for better-sqlite3 it reads the whole result first, for pg it needs
 * pg-query-stream, and where the reader stops early it never hands the connection back. SQL Server keeps
 * knex's buffered read (bounded by the page): knex's tedious stream has no backpressure either.
 */
export async function* streamRows(source: Source, query: Knex.QueryBuilder): AsyncGenerator<Row> {
  if (source.client === 'mssql') {
    query.timeout(source.queryTimeoutMs);
    yield* (await query) as Row[];
    return;
  }
  const { sql, bindings } = query.toSQL().toNative();
  const client = source.knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> };
  const connection = await client.acquireConnection();
  try {
    if (source.client === 'sqlite') yield* sqliteRows(connection as SqliteDatabase, sql, bindings);
    else if (source.client === 'pg') yield* pgRows(connection as PgConnection, sql, bindings);
    else yield* mysqlRows(connection as MysqlConnection, sql, bindings, source.queryTimeoutMs);
  } finally {
    await client.releaseConnection(connection);
  }
}

interface SqliteDatabase {
  prepare(sql: string): { safeIntegers(on: boolean): { iterate(...bindings: unknown[]): IterableIterator<Row> } };
}

/** better-sqlite3 hands one row at a time when asked; 64-bit integers as BigInt, so none is rounded. */
function* sqliteRows(database: SqliteDatabase, sql: string, bindings: readonly unknown[]): Generator<Row> {
  // better-sqlite3 takes no booleans (knex's own query turns them into 1/0 the same way).
  const values = bindings.map((value) => (typeof value === 'boolean' ? Number(value) : value));
  yield* database.prepare(sql).safeIntegers(true).iterate(...values);
}

interface PgConnection {
  query(query: PgQuery): unknown;
  connection: { stream: { pause(): void; resume(): void } };
}

/**
 * pg emits each row as it is parsed (and, with a row listener, keeps none); the socket is paused while the
 * stream is full, so the server's rows wait in TCP. A reader that stops early resumes it and lets the rest
 * of the query drain, so the connection goes back to the pool ready.
 */
async function* pgRows(connection: PgConnection, sql: string, bindings: readonly unknown[]): AsyncGenerator<Row> {
  const socket = connection.connection.stream;
  const rows = new Readable({ objectMode: true, highWaterMark: PAGE_STREAM_HIGH_WATER_MARK, read: () => socket.resume() });
  const query = new PgQuery(sql, bindings as unknown[]);
  const finished = new Promise<void>((resolve) => {
    query.on('row', (row: Row) => {
      if (!rows.destroyed && !rows.push(row)) socket.pause();
    });
    query.on('end', () => {
      if (!rows.destroyed) rows.push(null);
      resolve();
    });
    query.on('error', (error: Error) => {
      rows.destroy(error);
      resolve();
    });
  });
  connection.query(query);
  try {
    yield* rows;
  } finally {
    socket.resume();
    await finished;
  }
}

interface MysqlConnection {
  query(options: { sql: string; values: readonly unknown[]; timeout: number }): { stream(options: { highWaterMark: number }): Readable };
}

/** mysql2 pauses the connection while its stream is full; a stream destroyed early resumes and drains it. */
async function* mysqlRows(connection: MysqlConnection, sql: string, bindings: readonly unknown[], timeoutMs: number): AsyncGenerator<Row> {
  yield* connection.query({ sql, values: bindings, timeout: timeoutMs }).stream({ highWaterMark: PAGE_STREAM_HIGH_WATER_MARK });
}
