// A throwaway PostgreSQL server for the test suite: its own data dir, loopback only, stopped afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { findBinary } from './mariadb-server';

/** What BSYNC_POSTGRES holds: a superuser, and an admin database to run CREATE DATABASE from. */
export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface PostgresServer {
  connection: PostgresConnection;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** initdb and postgres of the newest /usr/lib/postgresql/<version>, else from the PATH. */
export function findPostgresBinaries(): PostgresBinaries | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => /^\d+(\.\d+)?$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    const binaries = { initdb: path.join(bin, 'initdb'), postgres: path.join(bin, 'postgres') };
    if (fs.existsSync(binaries.initdb) && fs.existsSync(binaries.postgres)) return binaries;
  }
  const initdb = findBinary('initdb');
  const postgres = findBinary('postgres');
  return initdb && postgres ? { initdb, postgres } : undefined;
}

/**
 * postgres refuses to run as root: as root, run it as the `postgres` user when there is one, else as
 * `nobody`, through runuser. Otherwise run it as ourselves.
 */
function runAs(): { user: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { user, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run postgres as');
}

function command(binary: string, args: string[], user: ReturnType<typeof runAs>): [string, string[]] {
  return user ? ['runuser', ['-u', user.user, '--', binary, ...args]] : [binary, args];
}

export async function startPostgres(): Promise<PostgresServer> {
  const binaries = findPostgresBinaries();
  if (!binaries) throw new Error('initdb and postgres are not installed');
  const user = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-postgres-'));
  const dataDir = path.join(dir, 'data');
  const password = crypto.randomBytes(18).toString('base64url');
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    fs.chownSync(dir, user.uid, user.gid);
    fs.chownSync(passwordFile, user.uid, user.gid);
  }

  // Passwords over TCP (the only way in but the socket in our own temp dir), so tests pass one as users would.
  const [initCommand, initArgs] = command(
    binaries.initdb,
    ['-D', dataDir, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-sync'],
    user,
  );
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  fs.rmSync(passwordFile, { force: true });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error}`);
  }

  const port = await freePort();
  const [startCommand, startArgs] = command(
    binaries.postgres,
    [
      '-D', dataDir,
      '-k', dir,
      '-p', String(port),
      '-h', '127.0.0.1',
      // A test database is thrown away: durability buys nothing here.
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=300',
      '-c', 'shared_buffers=64MB',
    ],
    user,
  );
  const child = spawn(startCommand, startArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk) => (log += chunk));
  const connection: PostgresConnection = { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' };

  const stop = async () => {
    // runuser may not pass signals on: the postmaster's own PID is the first line of postmaster.pid.
    const pid = postmasterPid(dataDir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, no waiting for clients
      } catch {
        // already gone
      }
    }
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => {
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGQUIT');
          } catch {
            // already gone
          }
        }
        child.kill('SIGKILL');
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited with ${child.exitCode}: ${log}`);
    }
    const client = new Client(connection);
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 60 s: ${String(error)}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { connection, process: child, stop };
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
