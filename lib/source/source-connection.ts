import { EventEmitter } from 'node:events';
import { BsyncError, describeError } from '../errors';
import { openSource, type Source } from './open-source';
import { describeSource, type SourceConfig } from './source-config';
import { SourceQueryError, SourceUnavailableError } from './source-errors';

export type SourceState = 'connecting' | 'ready' | 'unavailable' | 'closed';

export interface SourceConnectionOptions {
  /** First wait before trying again after a failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

/** Driver errors that mean "the source is not reachable", as opposed to a bad query. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|PROTOCOL_CONNECTION_LOST|Connection terminated|Knex: Timeout acquiring a connection|SQLITE_CANTOPEN|unable to open database|Connection lost|closed state|ESOCKET/i;

export function isSourceUnreachable(error: unknown): boolean {
  if (error instanceof SourceUnavailableError) return true;
  // Our own errors say what they are: a refused query, or the batch store (not this source) being down.
  if (error instanceof BsyncError || error instanceof SourceQueryError) return false;
  return UNREACHABLE.test(describeError(error)) || UNREACHABLE.test(String((error as { code?: string })?.code));
}

/**
 * Keeps one source open for a source-database config node: connects in the background, retries with
 * backoff while it is unreachable, and reports its state, so a database that comes back is used again
 * without a redeploy. Never throws into the runtime.
 */
export class SourceConnection extends EventEmitter {
  state: SourceState = 'connecting';
  reason = '';
  private source?: Source;
  private timer?: NodeJS.Timeout;
  private waitMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private opening?: Promise<void>;
  readonly description: string;

  constructor(
    readonly config: SourceConfig,
    options: SourceConnectionOptions = {},
  ) {
    super();
    this.retryMs = options.retryMs ?? 2000;
    this.maxRetryMs = options.maxRetryMs ?? 30000;
    this.waitMs = this.retryMs;
    this.description = describeSource(config);
    this.opening = this.open();
  }

  /** Runs work on the source; when it fails because the source went away, turns unavailable and retries. */
  async use<T>(work: (source: Source) => Promise<T>): Promise<T> {
    if (this.state === 'connecting') await this.opening;
    const source = this.source;
    if (!source || this.state !== 'ready') {
      throw new SourceUnavailableError(`source database ${this.description} is not available: ${this.reason || this.state}`);
    }
    try {
      return await work(source);
    } catch (error) {
      if (isSourceUnreachable(error) && !this.isClosed()) {
        this.setState('unavailable', describeError(error));
        this.schedule(() => this.check());
        throw new SourceUnavailableError(`source database ${this.description} is not available: ${describeError(error)}`, error);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.opening?.catch(() => undefined);
    this.setState('closed', '');
    const source = this.source;
    this.source = undefined;
    await source?.close();
  }

  private async open(): Promise<void> {
    try {
      const source = await openSource(this.config);
      if (this.isClosed()) {
        await source.close();
        return;
      }
      this.source = source;
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
    if (!this.source || this.isClosed()) return;
    try {
      await this.source.knex.raw('select 1');
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

  private setState(state: SourceState, reason: string): void {
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) this.emit('state', state, reason);
  }
}
