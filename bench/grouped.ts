// The grouped benchmark: N contacts of N/100 accounts, sorted by account, sent with group columns set (one
// call per 100 rows) by the processing core on SQLite to a loopback API that answers after --latency ms.
//   npm run build && node dist/bench/grouped.js [--rows N] [--group-size N] [--latency MS] [--concurrency N]
// Target (issue 14): >= 100,000 rows/s. The API counts calls, distinct keys and items: exactly once means
// calls = distinct keys = rows / group size and items = rows.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../lib/delivery';
import { DEFAULT_SETTINGS, processBatch } from '../lib/processing';
import { claimBatches, openStore, registerBatch } from '../lib/store';
import { compileRowSchema } from '../lib/validation';

interface Options {
  rows: number;
  groupSize: number;
  latencyMs: number;
  concurrency: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { rows: 100_000, groupSize: 100, latencyMs: 2, concurrency: 8 };
  const names: Record<string, keyof Options> = { '--rows': 'rows', '--group-size': 'groupSize', '--latency': 'latencyMs', '--concurrency': 'concurrency' };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (!names[flag] || !/^\d+$/.test(value ?? '')) throw new Error(`unknown option ${flag} ${value ?? ''}: use --rows N, --group-size N, --latency MS, --concurrency N`);
    options[names[flag]] = Number(value);
  }
  return options;
}

const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['contactId', 'accountId', 'email'],
  properties: { contactId: { type: 'string' }, accountId: { type: 'string' }, name: { type: 'string' }, email: { type: 'string', pattern: '@' } },
});

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-grouped-bench-'));
  const folders = { processing: path.join(root, 'processing'), archive: path.join(root, 'archive'), failed: path.join(root, 'failed') };
  for (const folder of Object.values(folders)) fs.mkdirSync(folder, { recursive: true });
  const lines = ['contactId,accountId,name,email'];
  for (let row = 1; row <= options.rows; row += 1) {
    const account = `A-${Math.ceil(row / options.groupSize)}`;
    lines.push(`c${row},${account},Contact ${row},c${row}@example.com`);
  }
  const file = path.join(folders.processing, 'contacts.csv');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);

  const seen = { calls: 0, items: 0, keys: new Set<string>() };
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      seen.calls += 1;
      seen.items += (JSON.parse(body) as unknown[]).length;
      seen.keys.add(String(request.headers['idempotency-key']));
      setTimeout(() => response.writeHead(201, { 'content-type': 'application/json' }).end('{}'), options.latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ApiClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, auth: { type: 'none' }, timeoutMs: 30_000, connections: options.concurrency });
  const store = await openStore({ client: 'sqlite', filename: path.join(root, 'bsync.sqlite') });
  try {
    await registerBatch(store, { groupType: 'contacts', groupId: 'bench', kind: 'file', fileName: 'contacts.csv', folder: folders.processing, sha256: 'f'.repeat(64), size: fs.statSync(file).size, actor: 'bench' });
    const [batch] = await claimBatches(store, { owner: 'bench', leaseMs: 600_000, limit: 1, groupType: 'contacts' });
    const startedAt = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const summary = await processBatch({ store, client, owner: 'bench', signal: new AbortController().signal }, batch, {
      ...DEFAULT_SETTINGS,
      request: { method: 'POST', pathTemplate: '/accounts/{accountId}/contacts' },
      validator: compileRowSchema(SCHEMA),
      rowSchema: SCHEMA,
      map: async (rows) => (rows as unknown as Array<Record<string, string>>).map((row) => ({ id: row.contactId, name: row.name, email: row.email })),
      group: { columns: ['accountId'], maxRows: options.groupSize },
      concurrency: options.concurrency,
      folders: { archive: folders.archive, failed: folders.failed },
    });
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = Math.ceil(options.rows / options.groupSize);
    const exactlyOnce = seen.calls === calls && seen.keys.size === calls && seen.items === options.rows;
    console.log(
      JSON.stringify({
        rows: options.rows,
        groupSize: options.groupSize,
        latencyMs: options.latencyMs,
        concurrency: options.concurrency,
        status: summary.status,
        seconds: Number(seconds.toFixed(3)),
        rowsPerSecond: Math.round(options.rows / seconds),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        calls: seen.calls,
        items: seen.items,
        exactlyOnce,
        cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
        loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
      }),
    );
    if (summary.status !== 'PROCESSED' || !exactlyOnce) process.exitCode = 1;
  } finally {
    await client.close();
    await store.close();
    server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
