// Node-RED in a process of its own, as a user runs it: this checkout installed as a package of a temporary
// user directory, a flow file the test writes, the admin API on a loopback port (to deploy, as the editor
// does), and the test reading the database from outside. Stopped by SIGTERM (Node-RED's own shutdown) or
// killed with SIGKILL, as a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;

export type FlowNode = Record<string, unknown>;

/**
 * The temp dirs of the runtimes this test file started, removed when its process exits (the runtimes are
 * stopped by then: a child left running is killed first). BSYNC_KEEP_RUNTIME_DIRS=1 keeps them to look into.
 */
const startedRoots: string[] = [];
const startedRuntimes: RuntimeProcess[] = [];
process.once('exit', () => {
  for (const runtime of startedRuntimes) runtime.killNow();
  if (process.env.BSYNC_KEEP_RUNTIME_DIRS === '1') return;
  for (const root of startedRoots) fs.rmSync(root, { recursive: true, force: true });
});

export interface RuntimeOptions {
  flows: FlowNode[];
  /** Node id → credentials (plain: the settings turn credential encryption off for the test). */
  credentials?: Record<string, Record<string, string>>;
  /** Where the flows keep their files (bsyncDataDir); a new temp dir by default. */
  dataDir?: string;
  /** Extra settings.js entries. */
  settings?: Record<string, unknown>;
}

export class RuntimeProcess {
  log = '';
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  private constructor(
    readonly userDir: string,
    readonly dataDir: string,
    readonly port: number,
    private readonly settingsFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process id of the running Node-RED (to read its /proc/<pid>/status), undefined when it is not running. */
  get pid(): number | undefined {
    const child = this.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  static async start(options: RuntimeOptions): Promise<RuntimeProcess> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-runtime-'));
    startedRoots.push(root);
    const userDir = path.join(root, 'node-red');
    const dataDir = options.dataDir ?? path.join(root, 'data');
    const link = path.join(userDir, 'node_modules', ...PACKAGE_NAME.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.mkdirSync(dataDir, { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
    fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bsync-test-runtime', private: true, dependencies: { [PACKAGE_NAME]: `file:${ROOT}` } }));
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(options.flows, null, 2));
    if (options.credentials) fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(options.credentials));
    const port = await freePort();
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: port,
      userDir,
      flowFile: path.join(userDir, 'flows.json'),
      credentialSecret: false,
      bsyncDataDir: dataDir,
      telemetry: { enabled: false, updateNotification: false },
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { projects: { enabled: false }, tours: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
      ...options.settings,
    };
    const settingsFile = path.join(root, 'settings.js');
    fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n`);
    const runtime = new RuntimeProcess(userDir, dataDir, port, settingsFile);
    startedRuntimes.push(runtime);
    await runtime.launch();
    return runtime;
  }

  /** Starts (or starts again, after a stop or a kill) Node-RED on the same user directory and flows. */
  async launch(): Promise<void> {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'node-red', 'red.js'), '--settings', this.settingsFile], {
      cwd: this.userDir,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk) => (this.log += chunk));
    child.stderr!.on('data', (chunk) => (this.log += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}\n${this.tail()}`);
      const ok = await fetch(`${this.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } }).then((response) => response.ok, () => false);
      if (ok && /Started flows/.test(this.log)) return;
      if (Date.now() > deadline) throw new Error(`Node-RED did not start in 60 s\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Deploys through the admin API, as the editor's Deploy button does (`full` restarts every node). */
  async deploy(flows: FlowNode[], type: 'full' | 'nodes' | 'flows' = 'full'): Promise<void> {
    const current = await fetch(`${this.url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } }).then((response) => response.json() as Promise<{ rev: string }>);
    const response = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type },
      body: JSON.stringify({ flows, rev: current.rev }),
    });
    if (!response.ok) throw new Error(`deploy answered ${response.status}: ${await response.text()}`);
  }

  /** SIGTERM: Node-RED closes every node (our close handlers run) and exits. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM', 30_000);
  }

  /** SIGKILL: a crash; nothing of ours runs. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 10_000);
  }

  /** At the test process's exit: a runtime a failed test left running must not outlive it. */
  killNow(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  tail(characters = 4000): string {
    return `--- Node-RED log (tail) ---\n${this.log.slice(-characters)}`;
  }

  private async signal(signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code ?? null;
  }
}
