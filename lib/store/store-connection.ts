import { EventEmitter } from 'node:events';
import { DatabaseUnavailableError, describeError } from '../errors';
import { describeTarget, openStore, type Store, type StoreConfig } from './open-store';

export type ConnectionState = 'connecting' | 'ready' | 'unavailable' | 'closed';

export interface ConnectionOptions {
  /** First wait before trying again after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Driver errors that mean "the database is not reachable", as opposed to a bad query. */
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR|Knex: Timeout acquiring a connection|SQLITE_CANTOPEN|SQLITE_IOERR|unable to open database|connect ETIMEDOUT|Connection lost|closed state|Connection terminated|is not queryable/i;

/**
 * PostgreSQL's SQLSTATEs for the same: the connection_exception class (08xxx), the server shutting down
 * or starting up (57P01 admin, 57P02 crash, 57P03 cannot connect now), too many connections (53300).
 */
const POSTGRES_UNREACHABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

export function isUnreachable(error: unknown): boolean {
  const code = String((error as { code?: string } | null)?.code);
  return error instanceof DatabaseUnavailableError || UNREACHABLE.test(describeError(error)) || UNREACHABLE.test(code) || POSTGRES_UNREACHABLE.test(code);
}

/**
 * Keeps one store open for a batch-store config node: connects (and migrates) in the background, retries
 * with backoff while the database is unreachable, and reports its state so the nodes using it can show it.
 * Never throws into the runtime: a database that is down is a state, not a crash.
 */
export class StoreConnection extends EventEmitter {
  state: ConnectionState = 'connecting';
  reason = '';
  private store?: Store;
  private timer?: NodeJS.Timeout;
  private waitMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private opening?: Promise<void>;
  /** Operations under way through use(): close() lets them finish before it closes the pool. */
  private readonly active = new Set<Promise<unknown>>();

  constructor(
    readonly config: StoreConfig,
    options: ConnectionOptions = {},
  ) {
    super();
    this.retryMs = options.retryMs ?? 2000;
    // Short: the wait after the database is back is idle time for every node on this store (a 30 s cap
    // made a 20 s outage cost 30 s), and a check is one `select 1`, cheap even for a long outage.
    this.maxRetryMs = options.maxRetryMs ?? 4000;
    this.waitMs = this.retryMs;
    this.opening = this.open();
  }

  get target(): string {
    return describeTarget(this.config);
  }

  /** The open store; throws DatabaseUnavailableError with the reason when it is not reachable now. */
  async get(): Promise<Store> {
    if (this.state === 'connecting') await this.opening;
    if (this.store && this.state === 'ready') return this.store;
    throw new DatabaseUnavailableError(`database ${this.target} is not available: ${this.reason || this.state}`);
  }

  /**
   * Runs work on the store. When it fails because the database went away, the connection turns
   * unavailable (nodes show it) and starts checking until the database is back.
   */
  async use<T>(work: (store: Store) => Promise<T>): Promise<T> {
    const store = await this.get();
    const operation = work(store);
    this.active.add(operation);
    try {
      return await operation;
    } catch (error) {
      if (isUnreachable(error)) {
        this.setState('unavailable', describeError(error));
        this.schedule(() => this.check());
        throw new DatabaseUnavailableError(`database ${this.target} is not available: ${describeError(error)}`, error);
      }
      throw error;
    } finally {
      this.active.delete(operation);
    }
  }

  /**
   * Closes the pool once the operations under way have finished (at most `drainMs`): an operation that is
   * cut off mid-transaction would lose what it was writing, a checkpoint or an admin's change.
   */
  async close(drainMs = 10_000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Closed before the waits: an open that fails meanwhile then schedules no retry, and no new work starts.
    this.setState('closed', '');
    await this.opening?.catch(() => undefined);
    if (this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.active]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const store = this.store;
    this.store = undefined;
    await store?.close();
  }

  private async open(): Promise<void> {
    try {
      const store = await openStore(this.config);
      if (this.isClosed()) {
        await store.close();
        return;
      }
      this.store = store;
      this.waitMs = this.retryMs;
      this.setState('ready', '');
    } catch (error) {
      if (this.isClosed()) return;
      this.setState('unavailable', describeError(error));
      this.schedule(() => {
        this.opening = this.open();
      });
    }
  }

  private async check(): Promise<void> {
    if (!this.store || this.state === 'closed') return;
    try {
      await this.store.knex.raw('select 1');
      this.waitMs = this.retryMs;
      this.setState('ready', '');
    } catch (error) {
      if (this.isClosed()) return;
      this.setState('unavailable', describeError(error));
      this.schedule(() => this.check());
    }
  }

  /** Read through a method: close() may run while an open or a check awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private schedule(retry: () => void): void {
    if (this.timer || this.state === 'closed') return;
    const wait = this.waitMs;
    this.waitMs = Math.min(this.waitMs * 2, this.maxRetryMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      retry();
    }, wait);
  }

  private setState(state: ConnectionState, reason: string): void {
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) this.emit('state', state, reason);
  }
}
