import { InvalidRequestError } from '../errors';

export const SOURCE_CLIENTS = ['pg', 'mysql', 'sqlite', 'mssql'] as const;
/** pg: PostgreSQL; mysql: MySQL and MariaDB (mysql2); sqlite: better-sqlite3; mssql: SQL Server (tedious). */
export type SourceClient = (typeof SOURCE_CLIENTS)[number];

/** TLS options in the shape Node-RED's tls-config gives them (addTLSOptions). */
export interface SourceTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export type SourceConfig =
  | { client: 'sqlite'; filename: string; poolMax?: number; queryTimeoutMs?: number }
  | {
      client: 'pg' | 'mysql' | 'mssql';
      host: string;
      port?: number;
      database: string;
      user: string;
      password?: string;
      /** Set when the server is reached through TLS. */
      tls?: SourceTls;
      poolMax?: number;
      queryTimeoutMs?: number;
    };

export const DEFAULT_PORTS: Record<Exclude<SourceClient, 'sqlite'>, number> = { pg: 5432, mysql: 3306, mssql: 1433 };
export const DEFAULT_POOL_MAX = 4;
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;

/** Refuses a config that cannot work, in plain words, before any connection is tried. */
export function validateSourceConfig(config: SourceConfig): SourceConfig {
  if (!SOURCE_CLIENTS.includes(config.client)) {
    throw new InvalidRequestError(`the source database type "${String(config.client)}" is not one of ${SOURCE_CLIENTS.join(', ')}`);
  }
  if (config.poolMax !== undefined && !(Number.isInteger(config.poolMax) && config.poolMax >= 1 && config.poolMax <= 100)) {
    throw new InvalidRequestError(`the pool size must be a whole number from 1 to 100, not ${config.poolMax}`);
  }
  if (config.queryTimeoutMs !== undefined && !(Number.isInteger(config.queryTimeoutMs) && config.queryTimeoutMs >= 100)) {
    throw new InvalidRequestError(`the query timeout must be a whole number of milliseconds, at least 100, not ${config.queryTimeoutMs}`);
  }
  if (config.client === 'sqlite') {
    if (!config.filename) throw new InvalidRequestError('a SQLite source needs the database file');
    return config;
  }
  if (!config.host) throw new InvalidRequestError(`a ${describeClient(config.client)} source needs a host`);
  if (!config.database) throw new InvalidRequestError(`a ${describeClient(config.client)} source needs a database name`);
  if (!config.user) throw new InvalidRequestError(`a ${describeClient(config.client)} source needs a user (in the node's credentials)`);
  if (config.port !== undefined && !(Number.isInteger(config.port) && config.port > 0 && config.port < 65536)) {
    throw new InvalidRequestError(`the port must be a number from 1 to 65535, not ${config.port}`);
  }
  return config;
}

export function describeClient(client: SourceClient): string {
  return { pg: 'PostgreSQL', mysql: 'MySQL/MariaDB', sqlite: 'SQLite', mssql: 'SQL Server' }[client];
}

/** Where the source is, for statuses and errors: never the password. */
export function describeSource(config: SourceConfig): string {
  if (config.client === 'sqlite') return `SQLite ${config.filename}`;
  return `${describeClient(config.client)} ${config.user}@${config.host}:${config.port ?? DEFAULT_PORTS[config.client]}/${config.database}`;
}
