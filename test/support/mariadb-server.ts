// A throwaway MariaDB server for the test suite: its own data dir, loopback only, stopped afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './free-port';

export interface MariaDbConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface MariaDbServer {
  connection: MariaDbConnection;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL, as a crash of the database host would; the data directory stays for restart(). */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and port (after kill()); resolves once it answers. */
  restart(): Promise<void>;
}

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];

export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...SEARCH_PATH];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}


export async function startMariaDb(): Promise<MariaDbServer> {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  if (!mariadbd || !installDb) throw new Error('mariadbd or mariadb-install-db is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-mariadb-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  const install = spawnSync(
    installDb,
    ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);

  const port = await freePort();
  const connection: MariaDbConnection = { host: '127.0.0.1', port, user: 'root', password: '' };
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--socket=${path.join(dir, 'mariadb.sock')}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(dir, 'mariadb.pid')}`,
        '--skip-log-bin',
        '--innodb-buffer-pool-size=128M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=500',
        ...asRoot,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (chunk) => (log += chunk));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}: ${log}`);
      try {
        const client = await mysql.createConnection(connection);
        await client.end();
        return child;
      } catch (error) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`mariadbd did not accept connections within 60 s: ${String(error)}\n${log}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  let child = await launch();
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };

  return {
    connection,
    get process() {
      return child;
    },
    async stop() {
      await exit('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: () => exit('SIGKILL'),
    async restart() {
      child = await launch();
    },
  };
}
