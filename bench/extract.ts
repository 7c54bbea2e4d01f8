// The extract benchmark: N changed rows of a local source table read into one parked JSON Lines batch.
//   npm run build && node dist/bench/extract.js [--source sqlite|postgres] [--rows N] [--page-size N]
// postgres needs BSYNC_POSTGRES = {"host","port","user","password","database"} (an admin database: a
// database bsync_extract_bench is created there and dropped afterwards). Target: >= 50,000 rows/s, flat memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { DEFAULT_PAGE_SIZE, parseExtractSettings, runExtract } from '../lib/extract';
import { openSource, type SourceConfig } from '../lib/source';
import { openStore } from '../lib/store';

interface Options {
  source: 'sqlite' | 'postgres';
  rows: number;
  pageSize: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { source: 'sqlite', rows: 1_000_000, pageSize: DEFAULT_PAGE_SIZE };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === '--source' && (value === 'sqlite' || value === 'postgres')) options.source = value;
    else if (flag === '--rows' && /^\d+$/.test(value ?? '')) options.rows = Number(value);
    else if (flag === '--page-size' && /^\d+$/.test(value ?? '')) options.pageSize = Number(value);
    else throw new Error(`unknown option ${flag} ${value ?? ''}: use --source sqlite|postgres, --rows N, --page-size N`);
  }
  return options;
}

const BENCH_DATABASE = 'bsync_extract_bench';

/** A customers table of N rows, every one changed since the (empty) watermark; rows share updated_at by the thousand. */
async function prepareSource(options: Options, dir: string): Promise<{ config: SourceConfig; drop: () => Promise<void> }> {
  let writer: Knex;
  let config: SourceConfig;
  let drop = async (): Promise<void> => undefined;
  if (options.source === 'sqlite') {
    const filename = path.join(dir, 'source.sqlite');
    config = { client: 'sqlite', filename };
    writer = knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  } else {
    if (!process.env.BSYNC_POSTGRES) throw new Error('--source postgres needs BSYNC_POSTGRES (host, port, user, password, database)');
    const server = JSON.parse(process.env.BSYNC_POSTGRES) as { host: string; port: number; user: string; password: string; database: string };
    const admin = knexFactory({ client: 'pg', connection: server });
    await admin.raw(`drop database if exists ${BENCH_DATABASE}`);
    await admin.raw(`create database ${BENCH_DATABASE}`);
    await admin.destroy();
    config = { client: 'pg', ...server, database: BENCH_DATABASE };
    writer = knexFactory({ client: 'pg', connection: { ...server, database: BENCH_DATABASE } });
    drop = async () => {
      const cleanup = knexFactory({ client: 'pg', connection: server });
      await cleanup.raw(`drop database if exists ${BENCH_DATABASE} with (force)`);
      await cleanup.destroy();
    };
  }
  await writer.schema.createTable('customers', (t) => {
    t.integer('id').primary();
    t.string('name', 100);
    t.string('iban', 40);
    if (options.source === 'sqlite') t.specificType('amount', 'decimal(18,2)');
    else t.decimal('amount', 18, 2);
    t.timestamp('updated_at', { useTz: true, precision: 6 });
    t.index(['updated_at', 'id']);
  });
  if (options.source === 'sqlite') {
    await writer.raw(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < ?)
       insert into customers select i, 'Customer ' || i, 'NL91ABNA' || i, i * 1.25,
         strftime('%Y-%m-%dT%H:%M:%SZ', 1796083200 + i / 1000, 'unixepoch') from n`,
      [options.rows],
    );
  } else {
    await writer.raw(
      `insert into customers select i, 'Customer ' || i, 'NL91ABNA' || i, i * 1.25,
         timestamptz '2026-12-01 00:00:00+00' + (i / 1000) * interval '1 second' from generate_series(1, ?) i`,
      [options.rows],
    );
  }
  await writer.destroy();
  return { config, drop };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-extract-bench-'));
  const { config, drop } = await prepareSource(options, dir);
  const store = await openStore({ client: 'sqlite', filename: path.join(dir, 'bsync.sqlite') });
  const source = await openSource(config);
  try {
    const settings = parseExtractSettings({
      name: 'bench', table: 'customers', keyColumns: ['updated_at', 'id'], groupType: 'bench',
      folder: path.join(dir, 'processing'), rowsPerBatch: options.rows, pageSize: options.pageSize,
    });
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 100);
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const run = await runExtract({ source, store, actor: 'bench' }, settings);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    // This process's CPU time: on a shared machine the wall clock measures the neighbours as much as the extract.
    const cpuMs = (cpu.user + cpu.system) / 1000;
    clearInterval(sampler);
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const mb = (bytes: number) => Math.round(bytes / 1e6);
    process.stdout.write(`${JSON.stringify({
      source: options.source,
      rows: run.rows,
      batches: run.batches.length,
      pageSize: options.pageSize,
      seconds: Number((elapsedMs / 1000).toFixed(2)),
      rowsPerSecond: Math.round((run.rows / elapsedMs) * 1000),
      cpuSeconds: Number((cpuMs / 1000).toFixed(2)),
      rowsPerCpuSecond: Math.round((run.rows / cpuMs) * 1000),
      loadAverage: Number(os.loadavg()[0].toFixed(1)),
      // Flat memory: the last quarter of the run holds no more than the first.
      rssMbFirstQuarter: mb(Math.max(...samples.slice(0, quarter))),
      rssMbLastQuarter: mb(Math.max(...samples.slice(-quarter))),
      fileMb: mb(run.batches.reduce((sum, batch) => sum + (batch.size ?? 0), 0)),
    })}\n`);
  } finally {
    await source.close();
    await store.close();
    await drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
