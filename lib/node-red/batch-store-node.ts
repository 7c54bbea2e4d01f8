import path from 'node:path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { DEFAULT_PORTS, type ConnectionState, type Store, type StoreConfig, type StoreConnection } from '../store';

export interface BatchStoreDef extends NodeDef {
  client: 'sqlite' | 'mysql' | 'postgres';
  filename: string;
  host: string;
  port: string;
  database: string;
  tls: string;
  tablePrefix: string;
  poolMax: string;
}

export interface BatchStoreCredentials {
  user?: string;
  password?: string;
}

/** What the flow nodes see of a batch-store config node. */
export interface BatchStoreNode extends Node<BatchStoreCredentials> {
  connection: StoreConnection;
  /** Runs work on the open store; rejects with DatabaseUnavailableError while the database is down. */
  use<T>(work: (store: Store) => Promise<T>): Promise<T>;
  /** Calls back now and on every change of the connection's state, until the returned function is called. */
  watch(listener: (state: ConnectionState, reason: string) => void): () => void;
  /** A flow node starts using the store; the store closes only after the last one deregistered. */
  register(user: Node): void;
  deregister(user: Node): void;
}

interface TlsConfigNode extends Node {
  addTLSOptions(options: Record<string, unknown>): void;
}

const DEFAULT_SQLITE_FILE = 'bsync.sqlite';

export function storeConfig(RED: NodeAPI, def: BatchStoreDef, credentials: BatchStoreCredentials): StoreConfig {
  const tablePrefix = def.tablePrefix?.trim() || undefined;
  if (def.client === 'mysql' || def.client === 'postgres') {
    let ssl: Record<string, unknown> | undefined;
    if (def.tls) {
      // mysql2 and pg both take Node's TLS options (ca, cert, key, rejectUnauthorized) as `ssl`.
      ssl = {};
      (RED.nodes.getNode(def.tls) as TlsConfigNode | null)?.addTLSOptions(ssl);
    }
    return {
      client: def.client,
      host: def.host || '127.0.0.1',
      port: Number(def.port) || DEFAULT_PORTS[def.client],
      database: def.database,
      user: credentials.user ?? '',
      password: credentials.password ?? '',
      ssl,
      poolMax: Number(def.poolMax) || undefined,
      tablePrefix,
    };
  }
  // A relative file lives in the Node-RED user directory, beside flows.json.
  const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
  return { client: 'sqlite', filename: path.resolve(userDir, def.filename || DEFAULT_SQLITE_FILE), tablePrefix };
}


/** The batch-store config node a flow node points at; undefined with a clear reason when it is missing. */
export function batchStoreOf(RED: NodeAPI, id: string | undefined): BatchStoreNode | undefined {
  return id ? ((RED.nodes.getNode(id) as BatchStoreNode | null) ?? undefined) : undefined;
}
