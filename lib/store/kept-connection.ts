import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { describeError } from '../errors';

export type ConnectionState = 'connecting' | 'ready' | 'unavailable' | 'closed';

export interface ConnectionOptions {
  /** First wait before trying again after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** What a kept connection holds: one knex pool, opened once, closed once. */
export interface OpenPool {
  readonly knex: Knex;
  close(): Promise<void>;
}

export interface KeptConnectionParts<T extends OpenPool> {
  /** Opens the pool (and runs what must run first, such as migrations); rejects while unreachable. */
  open(): Promise<T>;
  /** Whether a failure means "not reachable", as opposed to a bad query. */
  isUnreachable(error: unknown): boolean;
  /** The typed error the users of the connection get while it is not reachable. */
  unavailable(reason: string, cause?: unknown): Error;
}

/**
 * Keeps one database open for a config node: connects in the background, retries with backoff while the
 * database is unreachable (checking with `select 1`), and reports its state, so the nodes using it show
 * it and a database that comes back is used again without a redeploy. Never throws into the runtime: a
 * database that is down is a state, not a crash. The batch store and the source databases are kept alike.
 */
export class KeptConnection<T extends OpenPool> extends EventEmitter {
  state: ConnectionState = 'connecting';
  reason = '';
  private opened?: T;
  private timer?: NodeJS.Timeout;
  private waitMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private opening?: Promise<void>;
  /** Operations under way through use(): close() lets them finish before it closes the pool. */
  private readonly active = new Set<Promise<unknown>>();

  constructor(
    private readonly parts: KeptConnectionParts<T>,
    options: ConnectionOptions = {},
  ) {
    super();
    this.retryMs = options.retryMs ?? 2000;
    // Short: the wait after the database is back is idle time for every node using it (a 30 s cap made
    // a 20 s outage cost 30 s), and a check is one `select 1`, cheap even for a long outage.
    this.maxRetryMs = options.maxRetryMs ?? 4000;
    this.waitMs = this.retryMs;
    this.opening = this.open();
  }

  /** The open pool; throws the unavailable error with the reason when it is not reachable now. */
  async get(): Promise<T> {
    if (this.state === 'connecting') await this.opening;
    if (this.opened && this.state === 'ready') return this.opened;
    throw this.parts.unavailable(this.reason || this.state);
  }

  /** Runs work on the pool; when it fails because the database went away, turns unavailable and checks until it is back. */
  async use<R>(work: (opened: T) => Promise<R>): Promise<R> {
    const opened = await this.get();
    const operation = work(opened);
    this.active.add(operation);
    try {
      return await operation;
    } catch (error) {
      if (this.parts.isUnreachable(error) && !this.isClosed()) {
        this.setState('unavailable', describeError(error));
        this.schedule(() => this.check());
        throw this.parts.unavailable(describeError(error), error);
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
    const opened = this.opened;
    this.opened = undefined;
    await opened?.close();
  }

  private async open(): Promise<void> {
    try {
      const opened = await this.parts.open();
      if (this.isClosed()) {
        await opened.close();
        return;
      }
      this.opened = opened;
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
    if (!this.opened || this.isClosed()) return;
    try {
      await this.opened.knex.raw('select 1');
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
    if (this.timer || this.isClosed()) return;
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
