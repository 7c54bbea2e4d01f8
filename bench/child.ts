// A benchmark process started with fork(): its output goes to a log file; messages are awaited by type.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export class BenchChild {
  readonly process: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private readonly waiters: { type: string; resolve: (message: ChildMessage) => void; reject: (error: Error) => void }[] = [];
  private exited = false;

  constructor(
    script: string,
    readonly name: string,
    readonly logFile: string,
    options: { env?: Record<string, string>; execArgv?: string[] } = {},
  ) {
    const log = fs.openSync(logFile, 'a');
    this.process = fork(script, [], {
      env: { ...process.env, ...options.env },
      execArgv: options.execArgv ?? [],
      stdio: ['ignore', log, log, 'ipc'],
    });
    fs.closeSync(log);
    this.process.on('message', (message: ChildMessage) => {
      if (message.type === 'error') {
        this.failAll(new Error(`${name} failed: ${String(message.error)}`));
        return;
      }
      const index = this.waiters.findIndex((waiter) => waiter.type === message.type);
      if (index >= 0) this.waiters.splice(index, 1)[0].resolve(message);
      else this.inbox.push(message);
    });
    this.process.on('exit', (code, signal) => {
      this.exited = true;
      this.failAll(new Error(`${name} exited (${signal ?? `code ${code}`}) before answering; its log: ${logFile}\n${this.logTail()}`));
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  send(message: ChildMessage): void {
    this.process.send(message);
  }

  /** The next message of that type (one already received counts). */
  next(type: string, timeoutMs: number): Promise<ChildMessage> {
    const index = this.inbox.findIndex((message) => message.type === type);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]);
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running; its log: ${this.logFile}\n${this.logTail()}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new Error(`${this.name}: no "${type}" within ${Math.round(timeoutMs / 1000)} s; its log: ${this.logFile}\n${this.logTail()}`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (message: ChildMessage) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Asks for `request` and waits for `reply`. */
  ask(request: ChildMessage, reply: string, timeoutMs = 10_000): Promise<ChildMessage> {
    const answer = this.next(reply, timeoutMs);
    this.send(request);
    return answer;
  }

  /** Sends `stop` (if given) and waits for the exit; kills it after the grace time. */
  async stop(graceMs = 15_000, message?: ChildMessage): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    if (message && this.process.connected) this.send(message);
    else this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Waits for the process to exit by itself; kills it after `graceMs`. */
  async exit(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.process.kill('SIGKILL');
  }

  logTail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
