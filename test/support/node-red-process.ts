// Node-RED as `npm start` starts it (same settings.js, this checkout installed as a package of the user
// directory, the shipped flows and the sample file), in a child process on a free port and on temporary
// copies of data/ and flows/; optionally with extra settings (adminAuth) layered over settings.js.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;
/** Where the shipped flow's demo APIs are (the same Node-RED, on 1880): moved to the test's port. */
const SHIPPED_ORIGIN = 'http://127.0.0.1:1880/';

export interface NodeRedProcess {
  base: string;
  dataDir: string;
  /** The demo's SQLite batch store. */
  databaseFile: string;
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Settings merged over settings.js, as JavaScript source of an object (e.g. `{ adminAuth: {…} }`). */
  extraSettings?: string;
  timeoutMs?: number;
  /** Tabs of the shipped flows to deploy disabled, for a test whose counts they would change. */
  disabledTabs?: string[];
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    let value: T | undefined;
    try {
      value = await check();
    } catch (error) {
      last = error;
    }
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function startNodeRed(options: StartOptions = {}): Promise<NodeRedProcess> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-red-'));
  const dataDir = path.join(tmp, 'data');
  // What scripts/link-package.js does for data/: this checkout installed as a package of the user directory.
  const link = path.join(dataDir, 'node-red', 'node_modules', ...PACKAGE_NAME.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(ROOT, link, 'dir');
  // What `npm start` does on a first start: the shipped flows copied under data/, the sample file placed.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'prepare-demo.js')], { env: { ...process.env, BSYNC_DATA_DIR: dataDir }, stdio: 'ignore' });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The demo payroll API the shipped flows call is served by the same Node-RED, on this port.
  const flowFile = path.join(dataDir, 'flows', 'flows.json');
  const flows = JSON.parse(fs.readFileSync(flowFile, 'utf8').split(SHIPPED_ORIGIN).join(`${base}/`)) as Record<string, unknown>[];
  for (const node of flows) if (node.type === 'tab' && options.disabledTabs?.includes(String(node.label))) node.disabled = true;
  fs.writeFileSync(flowFile, JSON.stringify(flows, null, 4));

  let settingsFile = path.join(ROOT, 'settings.js');
  if (options.extraSettings) {
    settingsFile = path.join(tmp, 'settings.js');
    fs.writeFileSync(settingsFile, `module.exports = Object.assign({}, require(${JSON.stringify(path.join(ROOT, 'settings.js'))}), ${options.extraSettings});\n`);
  }

  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'node-red', 'red.js'), '--settings', settingsFile], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), BSYNC_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk) => (log += chunk));
  child.stderr!.on('data', (chunk) => (log += chunk));
  let exited = false;
  child.on('exit', () => (exited = true));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'Node-RED to serve the editor',
      async () => {
        if (exited) throw new Error('Node-RED exited');
        const response = await fetch(`${base}/`);
        return response.ok ? true : undefined;
      },
      options.timeoutMs ?? 60_000,
      () => log.slice(-4000),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, dataDir, databaseFile: path.join(dataDir, 'node-red', 'bsync.sqlite'), log: () => log, stop };
}
