import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Source, SourceClient, SourceConfig, SourceConnection, SourceState, SourceTls } from '../../lib/source';

export interface SourceDatabaseDef extends NodeDef {
  client: SourceClient;
  filename: string;
  host: string;
  port: string;
  database: string;
  tls: string;
  poolMax: string;
  queryTimeoutMs: string;
}

export interface SourceDatabaseCredentials {
  user?: string;
  password?: string;
}

/** What a table-extract sees of a source-database config node. */
export interface SourceDatabaseNode extends Node<SourceDatabaseCredentials> {
  connection: SourceConnection;
  /** Runs work on the open source; rejects with SourceUnavailableError while it cannot be reached. */
  use<T>(work: (source: Source) => Promise<T>): Promise<T>;
  /** Calls back now and on every change of the connection's state, until the returned function is called. */
  watch(listener: (state: SourceState, reason: string) => void): () => void;
  /** A flow node starts using the source; the pool closes only after the last one deregistered. */
  register(user: Node): void;
  deregister(user: Node): void;
}

interface TlsConfigNode extends Node {
  addTLSOptions(options: Record<string, unknown>): void;
}

/** The node's settings and credentials as a source config; a relative SQLite file is in the user directory. */
export function sourceConfigOf(RED: NodeAPI, def: SourceDatabaseDef, credentials: SourceDatabaseCredentials): SourceConfig {
  const poolMax = def.poolMax === '' || def.poolMax === undefined ? undefined : Number(def.poolMax);
  const queryTimeoutMs = def.queryTimeoutMs === '' || def.queryTimeoutMs === undefined ? undefined : Number(def.queryTimeoutMs);
  if (def.client === 'sqlite') {
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    return { client: 'sqlite', filename: def.filename ? path.resolve(userDir, def.filename) : '', poolMax, queryTimeoutMs };
  }
  let tls: SourceTls | undefined;
  if (def.tls) {
    const options: Record<string, unknown> = {};
    (RED.nodes.getNode(def.tls) as TlsConfigNode | null)?.addTLSOptions(options);
    tls = options as SourceTls;
  }
  return {
    client: def.client,
    host: def.host,
    port: def.port === '' || def.port === undefined ? undefined : Number(def.port),
    database: def.database,
    user: credentials.user ?? '',
    password: credentials.password ?? '',
    tls,
    poolMax,
    queryTimeoutMs,
  };
}

export function sourceDatabaseOf(RED: NodeAPI, id: string | undefined): SourceDatabaseNode | undefined {
  return id ? ((RED.nodes.getNode(id) as SourceDatabaseNode | null) ?? undefined) : undefined;
}
