import type { Knex } from 'knex';
import { types as pgDefaultTypes } from 'pg';
import { DEFAULT_POOL_MAX, DEFAULT_PORTS, DEFAULT_QUERY_TIMEOUT_MS, type SourceConfig } from './source-config';
import { mysqlTypeCast, pgTypes } from './driver-types';

type Done = (error: Error | null, connection: unknown) => void;

/**
 * The knex config of a source. Every session is read-only where the dialect can say so, and reads times
 * in UTC, so a watermark read from one connection compares the same on the next.
 */
export function sourceKnexConfig(config: SourceConfig): Knex.Config {
  const poolMax = config.poolMax ?? DEFAULT_POOL_MAX;
  const queryTimeoutMs = config.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  switch (config.client) {
    case 'sqlite':
      return {
        client: 'better-sqlite3',
        // readonly: the driver opens the file read-only (and refuses a file that is not there).
        connection: { filename: config.filename, options: { readonly: true } },
        useNullAsDefault: true,
        pool: { min: 0, max: poolMax },
      };
    case 'pg':
      return {
        client: 'pg',
        connection: {
          host: config.host,
          port: config.port ?? DEFAULT_PORTS.pg,
          database: config.database,
          user: config.user,
          password: config.password,
          ssl: config.tls ? { ...config.tls } : undefined,
          // Startup parameters of every session: read-only transactions, UTC, and the server stops a query that runs too long.
          options: `-c default_transaction_read_only=on -c TimeZone=UTC -c statement_timeout=${queryTimeoutMs}`,
          types: pgTypes(pgDefaultTypes),
          application_name: 'bsync table-extract',
        } as Knex.PgConnectionConfig,
        pool: { min: 0, max: poolMax },
        acquireConnectionTimeout: 10_000,
      };
    case 'mysql':
      return {
        client: 'mysql2',
        connection: {
          host: config.host,
          port: config.port ?? DEFAULT_PORTS.mysql,
          database: config.database,
          user: config.user,
          password: config.password,
          ssl: config.tls ? { ...config.tls } : undefined,
          charset: 'utf8mb4',
          // 64-bit integers and decimals as text: no rounding on the way.
          supportBigNumbers: true,
          bigNumberStrings: true,
          decimalNumbers: false,
          timezone: 'Z',
          typeCast: mysqlTypeCast,
        } as Knex.MySql2ConnectionConfig,
        pool: {
          min: 0,
          max: poolMax,
          afterCreate: (connection: { query(sql: string, callback: (error: Error | null) => void): void }, done: Done) => {
            connection.query("SET SESSION TRANSACTION READ ONLY", (readOnlyError) => {
              if (readOnlyError) return done(readOnlyError, connection);
              connection.query("SET time_zone = '+00:00'", (zoneError) => done(zoneError, connection));
            });
          },
        },
        acquireConnectionTimeout: 10_000,
      };
    case 'mssql':
      return {
        client: 'mssql',
        connection: {
          server: config.host,
          port: config.port ?? DEFAULT_PORTS.mssql,
          database: config.database,
          user: config.user,
          password: config.password,
          requestTimeout: queryTimeoutMs,
          options: {
            encrypt: config.tls !== undefined,
            trustServerCertificate: config.tls ? config.tls.rejectUnauthorized === false : false,
            cryptoCredentialsDetails: config.tls ? { ca: config.tls.ca, cert: config.tls.cert, key: config.tls.key, passphrase: config.tls.passphrase } : undefined,
            // The name the server's certificate is checked against, where it is not the host's.
            serverName: config.tls?.servername || undefined,
            // SQL Server has no read-only session: ReadOnly intent routes to a readable replica where there is
            // one; the account the node is given should have only SELECT rights.
            readOnlyIntent: true,
            useUTC: true,
            appName: 'bsync table-extract',
          },
        } as unknown as Knex.MsSqlConnectionConfig,
        pool: { min: 0, max: poolMax },
        acquireConnectionTimeout: 10_000,
      };
  }
}
