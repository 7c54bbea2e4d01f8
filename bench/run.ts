// `npm run bench`: throughput and memory of the pipeline against a bare client and a plain core-node
// flow, on the same machine, the same file and the same stub API, in one run. See bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { startMariaDb, type MariaDbServer } from '../test/support/mariadb-server';
import type { BaselineJob, BaselineResult } from './baseline';
import { BenchChild } from './child';
import {
  CORE_FILE_NODE,
  CORE_HTTP_NODE,
  coreFlow,
  groupedProcessor,
  GROUPED_GROUP_TYPE,
  pipelineFlow,
  STORE_NODE,
  UPSERT_GROUP_TYPE,
  upsertProcessor,
  type Flow,
  type PipelineFlowOptions,
  type StoreSettings,
} from './flows';
import { parseOptions, type BenchOptions, type Database as DatabaseKind, type Variant } from './options';
import { cpuSecondsOf, megabytes, memoryOf, MemorySampler } from './proc';
import type { RuntimeJob } from './runtime';
import { runSeveralRuntimes } from './runtimes';
import { writeContactsCsv, writeCsv, writeCustomersCsv } from './reference-rows';
import type { StubMode, StubStats } from './stub-server';
import { writeUserDir } from './user-dir';

const ROOT = path.resolve(__dirname, '..', '..');
/** The package the runtimes load: this checkout, or another build of it to compare with (BENCH_PACKAGE_DIR). */
const PACKAGE_DIR = path.resolve(process.env.BENCH_PACKAGE_DIR || ROOT);
const PACKAGE_NAME = (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { name: string }).name;
const FILE_NAME = 'employee-bank-connections.csv';
const CONTACTS_FILE_NAME = 'account-contacts.csv';

export interface VariantResult {
  variant: Variant;
  /** The baseline's run: 1 (first) or 2 (last). */
  run?: number;
  ok: boolean;
  error?: string;
  rows: number;
  /** Baseline and core flow: first row read to last answer. Pipeline: file landing in the inbound folder to the batch PROCESSED. */
  durationMs?: number;
  rowsPerSecond?: number;
  ratioToBaseline?: number;
  peakRssMB?: number;
  /** RSS of the runtime, deployed and idle, before the file lands. */
  idleRssMB?: number;
  peakAboveIdleMB?: number;
  statements?: number;
  statementsPer1000Rows?: number;
  statementsByKind?: Record<string, number>;
  server?: StubStats;
  exactlyOnce?: boolean;
  /** Pipeline only: landing to parked (poll, stable check, hash, move, park), and claimed start to finish. */
  pickupMs?: number;
  processingMs?: number;
  processingRowsPerSecond?: number;
  batch?: Record<string, unknown>;
  /** Core flow only: completed messages that were not a 2xx answer. */
  failedRequests?: number;
  /** Node-RED runtimes: the largest heap figures (process.memoryUsage, sampled every 250 ms) during the run, MB. */
  heapPeakMB?: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; idleHeapUsed: number; idleHeapTotal: number };
  /** CPU seconds over the timed part: the variant's process, the stub API, the MariaDB server. */
  cpu?: { process?: number; stub?: number; mariadb?: number };
  /** Runtime variants: the load average (1, 5, 15 min) when the batch settled: the machine is shared. */
  loadAverage?: number[];
  /** Key matching: rows not sent because they were delivered unchanged before. */
  skippedRows?: number;
  /** Grouped: rows per call. */
  groupSize?: number;
  /** Upsert: which of its two runs (first: all created; second: `changedRows` changed, the others unchanged). */
  upsertRun?: 'first' | 'second';
  changedRows?: number;
  /** Upsert, second run: the runtime's CPU per row of the first run (all sent), and an estimate per skipped row, µs. */
  cpuPerSentRowUs?: number;
  cpuPerSkippedRowUs?: number;
}

interface Context {
  options: BenchOptions;
  stubPid: number;
  workDir: string;
  csvFile: string;
  apiOrigin: string;
  mariaDb?: MariaDbServer;
  profileDir?: string;
  /** Names the result and the profiles of this run. */
  stamp: string;
}

const cleanups: (() => Promise<void> | void)[] = [];

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function stubStats(origin: string): Promise<StubStats> {
  const response = await fetch(`${origin}/stats`);
  return (await response.json()) as StubStats;
}

/** Zeroes the stub's counters; with a mode, also sets what it answers and forgets the ids it gave. */
async function resetStub(origin: string, mode?: StubMode): Promise<void> {
  const response = await fetch(`${origin}/reset${mode ? `?mode=${mode}` : ''}`, { method: 'POST' });
  if (!response.ok) throw new Error(`the stub refused the reset: ${response.status} ${await response.text()}`);
}

function stubModeOf(variant: Variant): StubMode {
  return variant.startsWith('grouped') ? 'grouped' : variant.startsWith('upsert') ? 'upsert' : 'plain';
}

function exactlyOnce(server: StubStats, rows: number): boolean {
  return server.requests === rows && server.distinctKeys === rows && server.duplicateKeys === 0 && server.missingKeys === 0;
}

/** A generous limit per variant, so a stuck run fails instead of hanging. */
function timeoutFor(options: BenchOptions): number {
  return 120_000 + options.rows * 5;
}

/** CPU used by the stub API (and MariaDB) from now until `read`. */
function cpuMeter(ctx: Context, pid?: number): () => { process?: number; stub?: number; mariadb?: number } {
  const dbPid = ctx.mariaDb?.process.pid;
  const start = { process: pid ? cpuSecondsOf(pid) : undefined, stub: cpuSecondsOf(ctx.stubPid), mariadb: dbPid ? cpuSecondsOf(dbPid) : undefined };
  const delta = (before: number | undefined, now: number | undefined) => (before === undefined || now === undefined ? undefined : Math.round((now - before) * 100) / 100);
  return () => ({
    process: pid ? delta(start.process, cpuSecondsOf(pid)) : undefined,
    stub: delta(start.stub, cpuSecondsOf(ctx.stubPid)),
    mariadb: dbPid ? delta(start.mariadb, cpuSecondsOf(dbPid)) : undefined,
  });
}

function profileArgs(ctx: Context, name: string): string[] {
  // Named *.json beside the result: bench/results ignores those in git. DevTools opens them all the same.
  return ctx.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=bench-${ctx.stamp}-${name}.cpuprofile.json`] : [];
}

// ---------------------------------------------------------------------------------------------- baseline

async function runBaseline(ctx: Context): Promise<VariantResult> {
  const job: BaselineJob = { file: ctx.csvFile, origin: ctx.apiOrigin, concurrency: ctx.options.concurrency };
  const child = new BenchChild(path.join(__dirname, 'baseline.js'), 'baseline', path.join(ctx.workDir, 'baseline.log'), {
    env: { BENCH_JOB: JSON.stringify(job) },
    execArgv: profileArgs(ctx, 'baseline'),
  });
  cleanups.push(() => child.kill());
  const sampler = new MemorySampler(child.pid);
  const cpu = cpuMeter(ctx);
  const message = await child.next('result', timeoutFor(ctx.options));
  const used = cpu();
  const peak = Math.max(sampler.stop(), (message.result as BaselineResult).peakRss || 0);
  await child.exit();
  const result = message.result as BaselineResult;
  const durationMs = result.finishedAt - result.startedAt;
  const server = await stubStats(ctx.apiOrigin);
  return {
    variant: 'baseline',
    ok: result.failed === 0 && result.rows === ctx.options.rows,
    error: result.failed > 0 ? `${result.failed} requests failed` : undefined,
    rows: result.rows,
    durationMs,
    rowsPerSecond: (result.rows / durationMs) * 1000,
    peakRssMB: megabytes(peak),
    server,
    exactlyOnce: exactlyOnce(server, ctx.options.rows),
    cpu: { ...used, process: Math.round(result.cpuSeconds * 100) / 100 },
  };
}

// ------------------------------------------------------------------------------------ Node-RED runtimes

interface Runtime {
  child: BenchChild;
  dir: string;
  dataDir: string;
  idleRss: number;
}

/** A user dir with the flow, and (for the pipeline) this checkout linked in as an installed package. */
async function startRuntime(ctx: Context, name: string, flow: Flow, job: Omit<RuntimeJob, 'userDir' | 'dataDir'>, linkPackage: boolean): Promise<Runtime> {
  const dir = path.join(ctx.workDir, name);
  const userDir = path.join(dir, 'node-red');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(path.join(dataDir, 'inbound'), { recursive: true });
  writeUserDir(userDir, flow, linkPackage ? { dir: PACKAGE_DIR, name: PACKAGE_NAME } : undefined);

  const runtimeJob: RuntimeJob = { ...job, userDir, dataDir };
  const execArgv = [...profileArgs(ctx, name), ...(process.env.BENCH_RUNTIME_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [])];
  const child = new BenchChild(path.join(__dirname, 'runtime.js'), name, path.join(ctx.workDir, `${name}.log`), {
    env: { BENCH_JOB: JSON.stringify(runtimeJob) },
    execArgv,
  });
  cleanups.push(() => child.kill());
  await child.next('ready', 120_000);
  // Let start-up work (migrations, first status queries, timers) settle before the idle reading.
  await sleep(2000);
  const idleRss = memoryOf(child.pid)?.rss ?? 0;
  return { child, dir, dataDir, idleRss };
}

interface HeapFigures {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

function heapFigures(peak: HeapFigures, idle: HeapFigures): VariantResult['heapPeakMB'] {
  return {
    heapUsed: megabytes(peak.heapUsed),
    heapTotal: megabytes(peak.heapTotal),
    external: megabytes(peak.external),
    arrayBuffers: megabytes(peak.arrayBuffers),
    idleHeapUsed: megabytes(idle.heapUsed),
    idleHeapTotal: megabytes(idle.heapTotal),
  };
}

interface BatchState {
  id: number;
  status: string;
  total_rows: number | null;
  processed_rows: number;
  succeeded_rows: number;
  failed_rows: number;
  skipped_rows: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
}

const LATEST_BATCH =
  'select id, status, total_rows, processed_rows, succeeded_rows, failed_rows, skipped_rows, created_at, started_at, finished_at, error from bsync_batch order by id desc limit 1';

/** Reads the batch table from outside the runtime: the benchmark polls it for the batch's end. */
interface BatchWatcher {
  latest(): Promise<BatchState | undefined>;
  close(): Promise<void>;
}

async function watchBatches(store: StoreSettings): Promise<BatchWatcher> {
  if (store.client === 'sqlite') {
    const db = new Database(store.filename, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const query = db.prepare(LATEST_BATCH);
    return {
      latest: async () => query.get() as BatchState | undefined,
      close: async () => {
        db.close();
      },
    };
  }
  const connection = await mysql.createConnection({ host: store.host, port: store.port, user: store.user, password: store.password, database: store.database });
  return {
    latest: async () => {
      const [rows] = await connection.query(LATEST_BATCH);
      const row = (rows as Record<string, unknown>[])[0];
      if (!row) return undefined;
      const numeric = (value: unknown) => (value === null ? null : Number(value));
      return {
        ...(row as unknown as BatchState),
        id: Number(row.id),
        processed_rows: Number(row.processed_rows),
        succeeded_rows: Number(row.succeeded_rows),
        failed_rows: Number(row.failed_rows),
        skipped_rows: Number(row.skipped_rows ?? 0),
        total_rows: numeric(row.total_rows),
        created_at: Number(row.created_at),
        started_at: numeric(row.started_at),
        finished_at: numeric(row.finished_at),
      };
    },
    close: () => connection.end(),
  };
}

async function storeFor(ctx: Context, database: DatabaseKind, dataDir: string, name: string): Promise<StoreSettings> {
  if (database === 'sqlite') return { client: 'sqlite', filename: path.join(dataDir, 'bsync.sqlite') };
  if (!ctx.mariaDb) {
    ctx.mariaDb = await startMariaDb();
    const server = ctx.mariaDb;
    cleanups.push(() => server.stop());
  }
  const databaseName = `bench_${name.replace(/[^a-z0-9]/gi, '_')}_${Date.now() % 1_000_000}`;
  const admin = await mysql.createConnection(ctx.mariaDb.connection);
  await admin.query(`CREATE DATABASE \`${databaseName}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const { host, port, user, password } = ctx.mariaDb.connection;
  return { client: 'mysql', host, port, user, password, database: databaseName };
}

const SETTLED = new Set(['PROCESSED', 'FAILED', 'CANCELLED', 'ERROR_RETRY']);

/** What one batch cost in a runtime: from its file landing in the inbound folder to the batch settled. */
interface BatchMeasure {
  batch: BatchState;
  landedAt: number;
  durationMs: number;
  peak: number;
  statements: number;
  byKind: Record<string, number>;
  heapPeak: HeapFigures;
  idleHeap: HeapFigures;
  cpu: { process?: number; stub?: number; mariadb?: number };
}

/**
 * Lands a file in the runtime's inbound folder (written beside it and renamed in: it lands whole, at one
 * moment) and waits for a batch newer than `afterBatchId` to settle, polling the store from outside.
 */
async function measureBatch(ctx: Context, runtime: Runtime, watcher: BatchWatcher, source: string, fileName: string, afterBatchId: number): Promise<BatchMeasure> {
  const staging = path.join(runtime.dir, 'staging');
  fs.mkdirSync(staging, { recursive: true });
  fs.copyFileSync(source, path.join(staging, fileName));
  const idleHeap = (await runtime.child.ask({ type: 'reset' }, 'reset')).heap as HeapFigures;
  const sampler = new MemorySampler(runtime.child.pid);
  const cpu = cpuMeter(ctx, runtime.child.pid);
  const landedAt = Date.now();
  fs.renameSync(path.join(staging, fileName), path.join(runtime.dataDir, 'inbound', fileName));

  const deadline = Date.now() + timeoutFor(ctx.options);
  let batch: BatchState | undefined;
  for (;;) {
    batch = await watcher.latest();
    if (batch && batch.id > afterBatchId && SETTLED.has(batch.status)) break;
    if (Date.now() > deadline) {
      sampler.stop();
      throw new Error(`the batch did not settle in time (last state: ${JSON.stringify(batch)})`);
    }
    await sleep(100);
  }
  const used = cpu();
  const stats = await runtime.child.ask({ type: 'stats' }, 'stats');
  const peak = sampler.stop();
  const finishedAt = Number(batch.finished_at ?? Date.now());
  return {
    batch,
    landedAt,
    durationMs: finishedAt - landedAt,
    peak,
    statements: Number(stats.statements),
    byKind: stats.byKind as Record<string, number>,
    heapPeak: stats.heapPeak as HeapFigures,
    idleHeap,
    cpu: used,
  };
}

/** The figures of a measured batch, as every runtime variant reports them; `ok` and the exactly-once check are the variant's. */
function batchResult(ctx: Context, variant: Variant, runtime: Runtime, measure: BatchMeasure, server: StubStats): Omit<VariantResult, 'ok' | 'exactlyOnce'> {
  const { options } = ctx;
  const { batch, durationMs, peak, statements } = measure;
  const finishedAt = Number(batch.finished_at ?? Date.now());
  const processingMs = batch.started_at ? finishedAt - Number(batch.started_at) : undefined;
  // Statements per 1,000 good rows: delivered or skipped (key matching's unchanged rows).
  const goodRows = batch.succeeded_rows + (batch.skipped_rows ?? 0);
  return {
    variant,
    error: batch.status === 'PROCESSED' ? undefined : `batch ${batch.status}: ${batch.error ?? ''}`,
    rows: batch.succeeded_rows,
    skippedRows: batch.skipped_rows ?? 0,
    durationMs,
    rowsPerSecond: (options.rows / durationMs) * 1000,
    peakRssMB: megabytes(peak),
    idleRssMB: megabytes(runtime.idleRss),
    peakAboveIdleMB: megabytes(peak - runtime.idleRss),
    statements,
    statementsPer1000Rows: Math.round((statements / Math.max(1, goodRows)) * 1000 * 100) / 100,
    statementsByKind: measure.byKind,
    server,
    pickupMs: Number(batch.created_at) - measure.landedAt,
    processingMs,
    processingRowsPerSecond: processingMs ? (options.rows / processingMs) * 1000 : undefined,
    batch: { ...batch },
    cpu: measure.cpu,
    heapPeakMB: heapFigures(measure.heapPeak, measure.idleHeap),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/** The runtime of a pipeline-like variant: its store, the flow, and the watcher on its batch table. */
async function startPipelineRuntime(ctx: Context, variant: Variant, database: DatabaseKind, flowOptions: Partial<PipelineFlowOptions>): Promise<{ runtime: Runtime; watcher: BatchWatcher }> {
  const { options } = ctx;
  const dataDir = path.join(ctx.workDir, variant, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const store = await storeFor(ctx, database, dataDir, variant);
  const flow = pipelineFlow({
    store,
    apiOrigin: ctx.apiOrigin,
    concurrency: options.concurrency,
    pollSeconds: options.pollSeconds,
    stableSeconds: options.stableSeconds,
    jsonata: false,
    ...flowOptions,
  });
  const runtime = await startRuntime(ctx, variant, flow, { storeNode: STORE_NODE }, true);
  return { runtime, watcher: await watchBatches(store) };
}

async function runPipeline(ctx: Context, variant: Variant, database: DatabaseKind, jsonata: boolean): Promise<VariantResult> {
  const { options } = ctx;
  const { runtime, watcher } = await startPipelineRuntime(ctx, variant, database, { jsonata });
  try {
    const measure = await measureBatch(ctx, runtime, watcher, ctx.csvFile, FILE_NAME, 0);
    await runtime.child.stop(15_000, { type: 'stop' });
    const server = await stubStats(ctx.apiOrigin);
    const { batch } = measure;
    return {
      ...batchResult(ctx, variant, runtime, measure, server),
      ok: batch.status === 'PROCESSED' && batch.succeeded_rows === options.rows,
      exactlyOnce: exactlyOnce(server, options.rows),
    };
  } finally {
    await watcher.close();
    await runtime.child.stop(15_000, { type: 'stop' });
  }
}

/** Grouped: one call per group; calls = distinct idempotency keys = distinct parents = groups, items = rows. */
function groupedExactlyOnce(server: StubStats, rows: number, groupSize: number): boolean {
  const groups = Math.ceil(rows / groupSize);
  return (
    server.requests === groups &&
    server.distinctKeys === groups &&
    server.distinctPaths === groups &&
    server.items === rows &&
    server.duplicateKeys === 0 &&
    server.missingKeys === 0 &&
    server.notLists === 0
  );
}

async function runGrouped(ctx: Context, variant: Variant, database: DatabaseKind): Promise<VariantResult> {
  const { options } = ctx;
  const file = path.join(ctx.workDir, CONTACTS_FILE_NAME);
  if (!fs.existsSync(file)) await writeContactsCsv(file, options.rows, options.groupSize);
  const { runtime, watcher } = await startPipelineRuntime(ctx, variant, database, { groupType: GROUPED_GROUP_TYPE, rowProcessor: groupedProcessor(options.groupSize) });
  try {
    const measure = await measureBatch(ctx, runtime, watcher, file, CONTACTS_FILE_NAME, 0);
    await runtime.child.stop(15_000, { type: 'stop' });
    const server = await stubStats(ctx.apiOrigin);
    const { batch } = measure;
    return {
      ...batchResult(ctx, variant, runtime, measure, server),
      ok: batch.status === 'PROCESSED' && batch.succeeded_rows === options.rows && batch.failed_rows === 0,
      exactlyOnce: groupedExactlyOnce(server, options.rows, options.groupSize),
      groupSize: options.groupSize,
    };
  } finally {
    await watcher.close();
    await runtime.child.stop(15_000, { type: 'stop' });
  }
}

/**
 * Upsert, first run: every customer created once (a POST per row, each customerNo once) and none updated.
 * Second run: a request for each changed row only, each an update of a distinct known id, none created.
 */
function upsertExactlyOnce(server: StubStats, run: 'first' | 'second', rows: number, changed: number, skipped: number): boolean {
  const requests = run === 'first' ? rows : changed;
  const sane = server.requests === requests && server.distinctKeys === requests && server.duplicateKeys === 0 && server.missingKeys === 0 && server.unknownIds === 0 && server.otherRoutes === 0;
  if (run === 'first') return sane && server.creates === rows && server.distinctCreated === rows && server.updates === 0 && skipped === 0;
  return sane && server.creates === 0 && server.updates === changed && server.distinctUpdated === changed && skipped === rows - changed;
}

/**
 * Upsert: two batches of the same customers through one runtime with key matching on the row-processor:
 * the first creates every customer, the second has `changedShare` of them renamed: those are updated, the
 * others skipped. CPU per skipped row: the second run's CPU less its changed rows at the first run's CPU per
 * row (a create costs about what an update does), over its skipped rows. The fixed part of a batch
 * (pick-up, claim, scan, archive, finish) is in both runs, so this is an upper bound.
 */
async function runUpsert(ctx: Context, variant: Variant, database: DatabaseKind): Promise<VariantResult[]> {
  const { options } = ctx;
  const every = options.changedShare > 0 ? Math.round(1 / options.changedShare) : 0;
  const isChanged = (i: number) => every > 0 && i % every === 0;
  const changed = every > 0 ? Math.floor(options.rows / every) : 0;
  const files = { first: path.join(ctx.workDir, 'customers-first.csv'), second: path.join(ctx.workDir, 'customers-second.csv') };
  if (!fs.existsSync(files.first)) await writeCustomersCsv(files.first, options.rows, () => false);
  if (!fs.existsSync(files.second)) await writeCustomersCsv(files.second, options.rows, isChanged);
  const { runtime, watcher } = await startPipelineRuntime(ctx, variant, database, { groupType: UPSERT_GROUP_TYPE, rowProcessor: upsertProcessor() });
  const results: VariantResult[] = [];
  try {
    let afterBatchId = 0;
    for (const run of ['first', 'second'] as const) {
      await resetStub(ctx.apiOrigin);
      const measure = await measureBatch(ctx, runtime, watcher, files[run], `customers-${run}.csv`, afterBatchId);
      afterBatchId = measure.batch.id;
      const server = await stubStats(ctx.apiOrigin);
      const { batch } = measure;
      const expectedSucceeded = run === 'first' ? options.rows : changed;
      results.push({
        ...batchResult(ctx, variant, runtime, measure, server),
        upsertRun: run,
        changedRows: run === 'first' ? 0 : changed,
        ok: batch.status === 'PROCESSED' && batch.succeeded_rows === expectedSucceeded && batch.failed_rows === 0,
        exactlyOnce: upsertExactlyOnce(server, run, options.rows, changed, batch.skipped_rows ?? 0),
      });
    }
    const [first, second] = results;
    const cpuFirst = first.cpu?.process;
    const cpuSecond = second.cpu?.process;
    const skipped = second.skippedRows ?? 0;
    if (cpuFirst !== undefined && cpuSecond !== undefined && skipped > 0) {
      const perSentRow = cpuFirst / options.rows;
      second.cpuPerSkippedRowUs = Math.round(((cpuSecond - changed * perSentRow) / skipped) * 1e6 * 10) / 10;
      second.cpuPerSentRowUs = Math.round(perSentRow * 1e6 * 10) / 10;
    }
    return results;
  } finally {
    await watcher.close();
    await runtime.child.stop(15_000, { type: 'stop' });
  }
}

async function runCoreFlow(ctx: Context): Promise<VariantResult> {
  const { options } = ctx;
  const flow = coreFlow({ file: ctx.csvFile, apiOrigin: ctx.apiOrigin });
  const runtime = await startRuntime(ctx, 'core-flow', flow, { completionNode: CORE_HTTP_NODE, expectCompletions: options.rows }, false);
  try {
    const idleHeap = (await runtime.child.ask({ type: 'reset' }, 'reset')).heap as HeapFigures;
    const sampler = new MemorySampler(runtime.child.pid);
    const cpu = cpuMeter(ctx, runtime.child.pid);
    const startedAt = Date.now();
    runtime.child.send({ type: 'trigger', node: CORE_FILE_NODE });
    const complete = await runtime.child.next('complete', timeoutFor(options));
    const used = cpu();
    const peak = sampler.stop();
    const stats = await runtime.child.ask({ type: 'stats' }, 'stats');
    const durationMs = Number(complete.at) - startedAt;
    const server = await stubStats(ctx.apiOrigin);
    const failedRequests = Number(complete.failures);
    return {
      variant: 'core-flow',
      ok: failedRequests === 0,
      error: failedRequests > 0 ? `${failedRequests} requests failed` : undefined,
      rows: Number(complete.count) - failedRequests,
      durationMs,
      rowsPerSecond: (options.rows / durationMs) * 1000,
      peakRssMB: megabytes(peak),
      idleRssMB: megabytes(runtime.idleRss),
      peakAboveIdleMB: megabytes(peak - runtime.idleRss),
      server,
      exactlyOnce: exactlyOnce(server, options.rows),
      failedRequests,
      cpu: used,
      heapPeakMB: heapFigures(stats.heapPeak as HeapFigures, idleHeap),
    };
  } finally {
    await runtime.child.stop(15_000, { type: 'stop' });
  }
}

// ------------------------------------------------------------------------------------------------ report

function format(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function labelOf(result: VariantResult): string {
  if (result.upsertRun) return `${result.variant} (${result.upsertRun === 'first' ? 'first: all created' : `second: ${format(result.changedRows)} changed`})`;
  return result.run && result.run > 1 ? `${result.variant} (run ${result.run})` : result.variant;
}

/** What the variants beyond the pipeline counted, a line each. */
function printVariantDetails(results: VariantResult[]): void {
  for (const r of results) {
    const s = r.server;
    if (!s || !r.ok) continue;
    if (r.variant.startsWith('grouped')) {
      console.log(`${labelOf(r)}: ${format(s.requests)} calls, ${format(s.distinctKeys)} distinct keys, ${format(s.distinctPaths)} parents, ${format(s.items)} items (${format(r.groupSize)} rows per call)`);
    } else if (r.upsertRun) {
      const perSkipped = r.cpuPerSkippedRowUs === undefined ? '' : `; CPU ${format(r.cpuPerSentRowUs, 1)} µs per sent row (first run), about ${format(r.cpuPerSkippedRowUs, 1)} µs per skipped row`;
      console.log(`${labelOf(r)}: ${format(s.creates)} creates (${format(s.distinctCreated)} customers), ${format(s.updates)} updates (${format(s.distinctUpdated)} ids), ${format(r.skippedRows)} skipped${perSkipped}`);
    }
  }
}

function printTable(results: VariantResult[]): void {
  const header = ['variant', 'rows/s', 'vs baseline', 'peak RSS MB', 'above idle MB', 'stmts/1k rows', 'CPU s own/stub/db', 'exactly once', 'note'];
  const rows = results.map((r) => [
    labelOf(r),
    format(r.rowsPerSecond),
    r.ratioToBaseline === undefined ? '-' : `${format(r.ratioToBaseline * 100)}%`,
    format(r.peakRssMB, 1),
    format(r.peakAboveIdleMB, 1),
    format(r.statementsPer1000Rows, 2),
    r.cpu ? [r.cpu.process, r.cpu.stub, r.cpu.mariadb].map((value) => format(value, 1)).join('/') : '-',
    r.exactlyOnce === undefined ? '-' : r.exactlyOnce ? 'yes' : `NO (${r.server?.requests ?? '?'} requests, ${r.server?.distinctKeys ?? '?'} keys)`,
    r.ok ? '' : (r.error ?? 'failed').split('\n')[0].slice(0, 100),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || i >= 7 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

interface TargetCheck {
  variant: Variant;
  ratio: boolean | null;
  cpu: boolean | null;
  statements: boolean | null;
  /** Judged on runs of 1,000,000 rows or more only. */
  memory: boolean | null;
  text: string;
}

/** Issue 15's targets (issue 14's for the grouped variants), judged in this run against this run's baseline. */
export const TARGETS = {
  /** Rows/s against the baseline: with latency, at latency 0 (CPU-bound), with a JSONata mapping and check. */
  ratioToBaseline: { plain: 0.95, plainAtLatency0: 0.9, jsonata: 0.9 },
  /** CPU seconds of the runtime against the baseline script's, for the same rows. */
  cpuToBaseline: { plain: 1.3, jsonata: 1.6 },
  peakAboveIdleMBOnMillionRows: 80,
  statementsPer1000Rows: 5,
  groupedRowsPerSecond: 100_000,
};

function checkTargets(results: VariantResult[], options: { rows: number; latencyMs: number }, baselineCpuSeconds: number | undefined): TargetCheck[] {
  const word = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED');
  return results
    .filter((r) => r.variant.startsWith('pipeline') || r.variant.startsWith('grouped'))
    .map((r) => {
      if (r.variant.startsWith('grouped')) {
        const ratio = r.rowsPerSecond === undefined ? null : r.rowsPerSecond >= TARGETS.groupedRowsPerSecond;
        const text = `${format(r.rowsPerSecond)} rows/s (>= ${format(TARGETS.groupedRowsPerSecond)}: ${word(ratio)})`;
        return { variant: r.variant, ratio, cpu: null, statements: null, memory: null, text };
      }
      const jsonata = r.variant.endsWith('-jsonata');
      const wantedRatio = jsonata ? TARGETS.ratioToBaseline.jsonata : options.latencyMs === 0 ? TARGETS.ratioToBaseline.plainAtLatency0 : TARGETS.ratioToBaseline.plain;
      const wantedCpu = jsonata ? TARGETS.cpuToBaseline.jsonata : TARGETS.cpuToBaseline.plain;
      const cpuRatio = baselineCpuSeconds && r.cpu?.process !== undefined ? r.cpu.process / baselineCpuSeconds : undefined;
      const ratio = r.ratioToBaseline === undefined ? null : r.ratioToBaseline >= wantedRatio;
      const cpu = cpuRatio === undefined ? null : cpuRatio <= wantedCpu;
      const statements = r.statementsPer1000Rows === undefined ? null : r.statementsPer1000Rows <= TARGETS.statementsPer1000Rows;
      const memory = options.rows >= 1_000_000 && r.peakAboveIdleMB !== undefined ? r.peakAboveIdleMB <= TARGETS.peakAboveIdleMBOnMillionRows : null;
      const text = [
        `${format((r.ratioToBaseline ?? NaN) * 100)}% of the baseline (>= ${wantedRatio * 100}%: ${word(ratio)})`,
        `CPU ${format(cpuRatio, 2)}x the baseline's (<= ${wantedCpu}x: ${word(cpu)})`,
        `${format(r.statementsPer1000Rows, 2)} statements/1k rows (<= ${TARGETS.statementsPer1000Rows}: ${word(statements)})`,
        `${format(r.peakAboveIdleMB, 1)} MB above idle (<= ${TARGETS.peakAboveIdleMBOnMillionRows} on 1M rows: ${word(memory)})`,
      ].join(', ');
      return { variant: r.variant, ratio, cpu, statements, memory, text };
    });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), path.join(ROOT, 'bench', 'results'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-'));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  fs.mkdirSync(options.outDir, { recursive: true });
  const profileDir = options.profile ? options.outDir : undefined;
  if (!options.keep) cleanups.push(() => fs.rmSync(workDir, { recursive: true, force: true }));

  const cpus = os.cpus();
  console.log(
    `bench: ${options.rows.toLocaleString('en-US')} rows, concurrency ${options.concurrency}, latency ${options.latencyMs} ms, ` +
      `variants ${options.variants.join(', ')}; ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, node ${process.version}; work dir ${workDir}`,
  );

  const stub = new BenchChild(path.join(__dirname, 'stub-server.js'), 'stub API', path.join(workDir, 'stub.log'), {
    env: { BENCH_LATENCY_MS: String(options.latencyMs) },
  });
  cleanups.push(() => stub.stop(5000));
  const { port } = await stub.next('listening', 30_000);
  const machine = { cpus: cpus.length, cpuModel: cpus[0]?.model, totalMemoryMB: megabytes(os.totalmem()), platform: `${os.platform()} ${os.release()}`, node: process.version, loadAverage: os.loadavg() };
  if (options.several) {
    const several = options.several;
    console.log(
      `several runtimes: ${several.runtimes} against 1, ${several.batches} × ${several.batchRows.toLocaleString('en-US')} rows, stores ${several.databases.join(', ')}, ` +
        `settings ${several.settings.join(', ')}, fetch size ${several.fetchSize}, max in flight ${several.maxInFlight} batches × concurrency ${options.concurrency}`,
    );
    const results = await runSeveralRuntimes({ options, workDir, apiOrigin: `http://127.0.0.1:${port}`, linked: { dir: PACKAGE_DIR, name: PACKAGE_NAME }, cleanups });
    const file = path.join(options.outDir, `bench-${stamp}-runtimes.json`);
    const report = { startedAt: startedAt.toISOString(), durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10, machine: { ...machine, loadAverageAtEnd: os.loadavg() }, packageDir: PACKAGE_DIR, options: { concurrency: options.concurrency, ...several }, results };
    fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nresult: ${file}`);
    if (results.some((result) => !result.ok)) process.exitCode = 1;
    return;
  }
  const csvFile = path.join(workDir, FILE_NAME);
  await writeCsv(csvFile, options.rows);
  const ctx: Context = { options, stubPid: stub.pid, workDir, csvFile, apiOrigin: `http://127.0.0.1:${port}`, profileDir, stamp };

  const results: VariantResult[] = [];
  const plan: Variant[] = [...options.variants];
  if (plan.includes('baseline') && options.baselineRuns > 1 && plan.length > 1) plan.push('baseline');
  for (const variant of plan) {
    await resetStub(ctx.apiOrigin, stubModeOf(variant));
    const began = Date.now();
    let variantResults: VariantResult[];
    try {
      const database: DatabaseKind = variant.includes('mariadb') ? 'mariadb' : 'sqlite';
      if (variant === 'baseline') variantResults = [await runBaseline(ctx)];
      else if (variant === 'core-flow') variantResults = [await runCoreFlow(ctx)];
      else if (variant.startsWith('grouped')) variantResults = [await runGrouped(ctx, variant, database)];
      else if (variant.startsWith('upsert')) variantResults = await runUpsert(ctx, variant, database);
      else variantResults = [await runPipeline(ctx, variant, database, variant.endsWith('-jsonata'))];
    } catch (error) {
      const server = await stubStats(ctx.apiOrigin).catch(() => undefined);
      variantResults = [{ variant, ok: false, error: String((error as Error)?.message ?? error), rows: 0, server, exactlyOnce: false }];
    }
    for (const result of variantResults) {
      if (variant === 'baseline') result.run = results.filter((r) => r.variant === 'baseline').length + 1;
      results.push(result);
      console.log(
        `  ${labelOf(result)}: ${result.ok ? `${format(result.rowsPerSecond)} rows/s, peak RSS ${format(result.peakRssMB, 1)} MB` : `FAILED: ${result.error}`}${result.ok && result.exactlyOnce === false ? ' NOT EXACTLY ONCE' : ''} (${format((Date.now() - began) / 1000, 1)} s)`,
      );
    }
  }
  // Ratios against the mean of the baseline runs: the first one before, the second one after the others.
  const baselines = results.filter((r) => r.variant === 'baseline' && r.ok && r.rowsPerSecond);
  const baselineRowsPerSecond = baselines.length ? baselines.reduce((sum, r) => sum + (r.rowsPerSecond ?? 0), 0) / baselines.length : undefined;
  for (const result of results) {
    // The grouped and upsert variants send other files, other requests: a ratio to the baseline would mean nothing.
    const comparable = result.variant === 'baseline' || result.variant === 'core-flow' || result.variant.startsWith('pipeline');
    if (comparable && baselineRowsPerSecond && result.rowsPerSecond) result.ratioToBaseline = result.rowsPerSecond / baselineRowsPerSecond;
  }

  console.log('');
  printTable(results);
  printVariantDetails(results);
  const baselineCpus = baselines.map((r) => r.cpu?.process).filter((seconds): seconds is number => seconds !== undefined);
  const baselineCpuSeconds = baselineCpus.length ? baselineCpus.reduce((sum, seconds) => sum + seconds, 0) / baselineCpus.length : undefined;
  const checks = checkTargets(results, options, baselineCpuSeconds);
  if (checks.length) console.log(`\ntargets: ${checks.map((check) => `${check.variant}: ${check.text}`).join('\n         ')}`);
  const report = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    machine: { ...machine, loadAverageAtEnd: os.loadavg() },
    packageDir: PACKAGE_DIR,
    options: {
      rows: options.rows,
      concurrency: options.concurrency,
      latencyMs: options.latencyMs,
      databases: options.databases,
      variants: options.variants,
      pollSeconds: options.pollSeconds,
      groupSize: options.groupSize,
      changedShare: options.changedShare,
    },
    targets: TARGETS,
    baselineCpuSeconds,
    baselineRowsPerSecond,
    targetChecks: checks,
    results,
  };
  const file = path.join(options.outDir, `bench-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  // A variant that failed or did not deliver exactly once fails the run (the smoke test relies on it too).
  const failed = results.filter((r) => !r.ok || r.exactlyOnce === false);
  if (failed.length) {
    console.error(`\nFAILED: ${failed.map((r) => `${labelOf(r)}${r.ok ? ' (not exactly once)' : `: ${r.error ?? 'failed'}`}`).join('; ')}`);
    process.exitCode = 1;
  }
  console.log(`\nresult: ${file}${profileDir ? `\nprofiles: ${path.join(profileDir, `bench-${stamp}-*.cpuprofile.json`)}` : ''}`);
}

async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort: the rest still gets cleaned
    }
  }
}

process.on('SIGINT', () => {
  void cleanUp().then(() => process.exit(130));
});

main().then(
  () => cleanUp().then(() => process.exit(process.exitCode ?? 0)),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    void cleanUp().then(() => process.exit(1));
  },
);
