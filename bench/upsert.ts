// The upsert variant: key matching (DESIGN.md "Match records by the keys of both systems") on a second run
// over the same customers, 90% of them unchanged. The processing core runs in this process on SQLite (a
// temp file), the API in its own (bench/upsert-api.ts). Measured on the second run: rows per second, CPU
// seconds of this process, requests the API saw (the unchanged rows must cost none), and database
// statements per 1,000 rows (knex's `query` event: BEGIN and COMMIT included).
//   node dist/bench/upsert.js [--rows 20000] [--concurrency 16] [--latency 2] [--changed 0.1] [--window 1000]
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../lib/delivery';
import { processBatch, DEFAULT_SETTINGS, type ProcessorSettings } from '../lib/processing';
import { claimBatches, openStore, registerBatch, type Store } from '../lib/store';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index < 0 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
}

const ROWS = option('rows', 20_000);
const CONCURRENCY = option('concurrency', 16);
const LATENCY_MS = option('latency', 2);
const CHANGED = option('changed', 0.1);
/** Rows per checkpoint window (the row-processor's "checkpoint every"). */
const WINDOW_ROWS = option('window', 1000);
const GROUP_TYPE = 'bench-customers';

function writeCustomers(file: string, changed: (i: number) => boolean): void {
  const lines = ['customerNo,name,city'];
  for (let i = 1; i <= ROWS; i += 1) lines.push(`C-${String(i).padStart(7, '0')},Customer ${i}${changed(i) ? ' renamed' : ''},Town ${i % 97}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

async function park(store: Store, folder: string, fileName: string) {
  await registerBatch(store, { groupType: GROUP_TYPE, groupId: fileName, kind: 'file', fileName, folder, sha256: 'f'.repeat(64), size: fs.statSync(path.join(folder, fileName)).size, actor: 'bench' });
  const [claimed] = await claimBatches(store, { owner: 'bench', leaseMs: 600_000, limit: 1, groupType: GROUP_TYPE, groupId: fileName });
  return claimed;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-upsert-'));
  const folders = { processing: path.join(root, 'processing'), archive: path.join(root, 'archive'), failed: path.join(root, 'failed') };
  for (const folder of Object.values(folders)) fs.mkdirSync(folder, { recursive: true });
  const api = fork(path.join(__dirname, 'upsert-api.js'), [], { env: { ...process.env, BENCH_LATENCY_MS: String(LATENCY_MS) } });
  const port = await new Promise<number>((resolve) => api.once('message', (message: { port: number }) => resolve(message.port)));
  const origin = `http://127.0.0.1:${port}`;
  const store = await openStore({ client: 'sqlite', filename: path.join(root, 'bench.sqlite') });
  const client = new ApiClient({ baseUrl: origin, auth: { type: 'none' }, timeoutMs: 30_000, connections: CONCURRENCY });
  const plain: ProcessorSettings = {
    ...DEFAULT_SETTINGS,
    concurrency: CONCURRENCY,
    windowRows: WINDOW_ROWS,
    request: { method: 'POST', pathTemplate: '/customers' },
    folders: { archive: folders.archive, failed: folders.failed },
  };
  const matched: ProcessorSettings = {
    ...plain,
    matching: {
      keyColumns: ['customerNo'],
      create: { method: 'POST', pathTemplate: '/customers' },
      update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
      targetKey: { from: 'body', evaluate: async (body) => (body as { id?: unknown }).id },
      onUpdateNotFound: 'report',
    },
  };
  const stats = async () => (await fetch(`${origin}/stats`)).json() as Promise<{ creates: number; updates: number; other: number }>;
  const every = Math.round(1 / CHANGED);
  const runs = [];
  try {
    // plain: the same rows without key matching (every row a POST), to compare within one run on this
    // machine; first: key matching, every customer created; second: the same customers, 1 in 10 changed.
    for (const [name, changed, settings] of [
      ['plain', () => false, plain],
      ['first', () => false, matched],
      ['second', (i: number) => i % every === 0, matched],
    ] as const) {
      const fileName = `customers-${name}.csv`;
      writeCustomers(path.join(folders.processing, fileName), changed);
      const batch = await park(store, folders.processing, fileName);
      await fetch(`${origin}/reset`, { method: 'POST' });
      let statements = 0;
      const byKind: Record<string, number> = {};
      const count = (query: { sql?: string }) => {
        statements += 1;
        const kind = (/^\s*(\w+)/.exec(query.sql ?? '')?.[1] ?? '?').toLowerCase();
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      };
      store.knex.on('query', count);
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const summary = await processBatch({ store, client, owner: 'bench', signal: new AbortController().signal }, batch, settings);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      store.knex.removeListener('query', count);
      const seen = await stats();
      runs.push({
        run: name,
        status: summary.status,
        rows: ROWS,
        succeeded: summary.succeededRows,
        skipped: summary.skippedRows,
        failed: summary.failedRows,
        seconds: Math.round(seconds * 100) / 100,
        rowsPerSecond: Math.round(ROWS / seconds),
        cpuSeconds: Math.round(((used.user + used.system) / 1e6) * 100) / 100,
        requests: seen,
        statements,
        byKind,
        statementsPer1000Rows: Math.round((statements / ROWS) * 1000 * 100) / 100,
      });
      console.log(JSON.stringify(runs[runs.length - 1]));
    }
    const outDir = path.join(__dirname, '..', '..', 'bench', 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const out = path.join(outDir, `bench-upsert-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(out, JSON.stringify({ options: { rows: ROWS, concurrency: CONCURRENCY, latencyMs: LATENCY_MS, changed: CHANGED, windowRows: WINDOW_ROWS, database: 'sqlite' }, node: process.version, runs }, null, 2));
    console.log(`written to ${out}`);
  } finally {
    await client.close();
    await store.close();
    api.kill('SIGTERM');
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
