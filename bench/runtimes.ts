// `npm run bench -- --runtimes N`: N Node-RED runtimes, each its own process with a dispatcher and a
// row-processor on the same group type, share one store database (MariaDB, PostgreSQL) and one data
// folder, and work off a set of parked batches; one runtime does the same set in the same run, so the
// speed-up is a ratio of two measurements taken minutes apart. See bench/README.md, "Several runtimes".
//
// How a run goes: the runtimes start with the dispatcher's control row paused (bsync_control, the one
// switch every runtime reads); the batch files land in the first runtime's inbound folder (the others
// watch an empty one, but register the same processing folder: a row-processor only reads batch files
// from a registered folder); once every batch is parked the bench unpauses the row and asks every
// dispatcher to run now. Each dispatcher claims within the shared throttle (fetch size per run, max in
// flight over all runtimes), a finished batch asks its runtime's dispatcher for the next one, and the
// cron (every second) catches what a busy dispatcher let pass. Timed from the unpause to the last
// batch's finished_at.
//
// The partitioned scenario (--large-rows R --partition-rows P): the set is one file of R rows, and the
// row-processors split a file of more than P rows into partitions (row ranges, batch rows of their own) that
// every runtime's dispatcher claims like batches; the runtime that settles the last one finishes the batch.
// Checked on top: the batch PROCESSED with exact counters, the ranges cover the file once, every partition
// PROCESSED with its range's counters and claimed once (bench/partition-checks.ts).
import fs from 'node:fs';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import { startMariaDb, type MariaDbServer } from '../test/support/mariadb-server';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server';
import { BenchChild } from './child';
import { benchBatchRow, checkPartitions, type PartitionCheck } from './partition-checks';
import { DISPATCHER_NODE, GROUP_TYPE, pipelineFlow, STORE_NODE, type ServerStoreSettings } from './flows';
import type { BenchOptions, RuntimesSetting, ServerDatabase } from './options';
import { cpuSecondsOf } from './proc';
import { writeCsv } from './reference-rows';
import type { RuntimeJob } from './runtime';
import type { StubStats } from './stub-server';
import { writeUserDir, type LinkedPackage } from './user-dir';

/** The control row the bench's dispatchers share: dispatcherKey() of an unnamed batches dispatcher on GROUP_TYPE. */
export const CONTROL_KEY = `batches:${GROUP_TYPE}:*`;
const SETTLED = ['PROCESSED', 'FAILED', 'CANCELLED', 'ERROR_RETRY'];

export interface SeveralContext {
  options: BenchOptions;
  workDir: string;
  apiOrigin: string;
  linked: LinkedPackage;
  cleanups: (() => Promise<void> | void)[];
}

export interface SeveralRunResult {
  database: ServerDatabase;
  setting: RuntimesSetting;
  latencyMs: number;
  jsonata: boolean;
  runtimes: number;
  batches: number;
  rows: number;
  ok: boolean;
  error?: string;
  /** Unpause to the last batch's finished_at. */
  durationMs?: number;
  rowsPerSecond?: number;
  /** Batches by status at the end. */
  statuses?: Record<string, number>;
  server?: StubStats;
  /** requests = rows = distinct idempotency keys, no duplicates, none missing. */
  exactlyOnce?: boolean;
  /** Every batch: one `claimed` event, no lease-expired reclaim, attempts 1. */
  claimedOnce?: boolean;
  claimEvents?: number;
  reclaimEvents?: number;
  /** The shared limit at the server: max in flight (batches) × row concurrency requests at once. */
  requestLimit: number;
  peakRequestsInFlight?: number;
  limitHeld?: boolean;
  /** Batches each runtime claimed, and its CPU seconds over the timed part. */
  perRuntime?: { runtime: number; batches: number; rows: number; cpuSeconds?: number }[];
  /** Each batch: the runtime that claimed it, and its start and end, ms after the unpause (a partition: its rows). */
  timeline?: { batchId: number; runtime?: number; startMs?: number; endMs?: number; partitionOf?: number; firstRow?: number; lastRow?: number }[];
  speedUp?: number;
  /**
   * The partitioned scenario (--large-rows): one batch of `rows` rows split into partitions of `partitionRows`.
   * perRuntime then counts partitions as batches; the batch itself is claimed by one runtime (which splits it)
   * and finished by the one that settles its last partition.
   */
  partitionRows?: number;
  partitions?: PartitionCheck;
  /** The runtime that claimed and split the batch, and the one that finished it. */
  splitBy?: number;
  finishedBy?: number;
}

interface StoreServer {
  settings(database: string): ServerStoreSettings;
  createDatabase(name: string): Promise<void>;
  knexClient: 'mysql2' | 'pg';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function startStoreServer(ctx: SeveralContext, database: ServerDatabase): Promise<StoreServer> {
  if (database === 'mariadb') {
    const server: MariaDbServer = await startMariaDb();
    ctx.cleanups.push(() => server.stop());
    const { host, port, user, password } = server.connection;
    return {
      knexClient: 'mysql2',
      settings: (name) => ({ client: 'mysql', host, port, user, password, database: name }),
      createDatabase: async (name) => {
        const admin = await mysql.createConnection(server.connection);
        await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
        await admin.end();
      },
    };
  }
  const server: PostgresServer = await startPostgres();
  ctx.cleanups.push(() => server.stop());
  const { host, port, user, password } = server.connection;
  return {
    knexClient: 'pg',
    settings: (name) => ({ client: 'postgres', host, port, user, password, database: name }),
    createDatabase: async (name) => {
      const admin = new Client(server.connection);
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
    },
  };
}

async function stubStats(origin: string): Promise<StubStats> {
  return (await (await fetch(`${origin}/stats`)).json()) as StubStats;
}

function startRuntime(ctx: SeveralContext, runDir: string, index: number, job: Omit<RuntimeJob, 'userDir'>, flow: ReturnType<typeof pipelineFlow>): BenchChild {
  const userDir = path.join(runDir, `runtime-${index + 1}`);
  writeUserDir(userDir, flow, ctx.linked);
  const child = new BenchChild(path.join(__dirname, 'runtime.js'), `runtime ${index + 1}`, path.join(runDir, `runtime-${index + 1}.log`), {
    env: { BENCH_JOB: JSON.stringify({ ...job, userDir }) },
    execArgv: process.env.BENCH_RUNTIME_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [],
  });
  ctx.cleanups.push(() => child.kill());
  return child;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(100);
  }
}

async function countByStatus(query: Knex.QueryBuilder): Promise<Record<string, number>> {
  const rows = (await query.select('status').count({ count: '*' }).groupBy('status')) as { status: string; count: number | string }[];
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** The partitioned scenario: the row-processor splits a file of more than partitionRows rows. */
function withPartitionRows(flow: ReturnType<typeof pipelineFlow>, partitionRows: number | undefined): ReturnType<typeof pipelineFlow> {
  if (partitionRows === undefined) return flow;
  return { ...flow, nodes: flow.nodes.map((node) => (node.type === 'row-processor' ? { ...node, partitionRows: String(partitionRows) } : node)) };
}

/** One set of batches on `runtimes` runtimes. */
async function runSet(ctx: SeveralContext, server: StoreServer, database: ServerDatabase, setting: RuntimesSetting, runtimes: number, batchFiles: string[]): Promise<SeveralRunResult> {
  const several = ctx.options.several!;
  const { concurrency } = ctx.options;
  const latencyMs = setting === 'cpu' ? 0 : several.slowLatencyMs;
  // The partitioned scenario: one file of largeRows rows, which the row-processor splits into partitions.
  const partitionRows = several.largeRows === undefined ? undefined : several.partitionRows;
  const rows = several.largeRows ?? several.batches * several.batchRows;
  const result: SeveralRunResult = {
    database,
    setting,
    latencyMs,
    jsonata: setting === 'cpu',
    runtimes,
    batches: batchFiles.length,
    rows,
    partitionRows,
    ok: false,
    requestLimit: several.maxInFlight * concurrency,
  };
  const name = `${database}-${setting}-${runtimes}`;
  const runDir = path.join(ctx.workDir, name);
  const dataDir = path.join(runDir, 'data');
  for (let index = 0; index < runtimes; index += 1) fs.mkdirSync(path.join(dataDir, index === 0 ? 'inbound' : `inbound-${index + 1}`), { recursive: true });
  const databaseName = `bench_${name.replace(/[^a-z0-9]/gi, '_')}_${Date.now() % 1_000_000}`;
  await server.createDatabase(databaseName);
  const store = server.settings(databaseName);
  const children: BenchChild[] = [];
  let db: Knex | undefined;
  try {
    const flowFor = (index: number) =>
      withPartitionRows(
        pipelineFlow({
          store,
          apiOrigin: ctx.apiOrigin,
          concurrency,
          pollSeconds: ctx.options.pollSeconds,
          stableSeconds: ctx.options.stableSeconds,
          jsonata: setting === 'cpu',
          // Only the first runtime gets files; the others register the same processing folder all the same.
          inbound: index === 0 ? 'inbound' : `inbound-${index + 1}`,
          cron: '* * * * * *',
          fetchSize: several.fetchSize,
          maxInFlight: several.maxInFlight,
          pullNextBatch: true,
          dispatchOnPark: false,
        }),
        partitionRows,
      );
    const job = { dataDir, storeNode: STORE_NODE };
    // The first one runs the migrations; the others start together after it.
    children.push(startRuntime(ctx, runDir, 0, job, flowFor(0)));
    await children[0].next('ready', 120_000);
    for (let index = 1; index < runtimes; index += 1) children.push(startRuntime(ctx, runDir, index, job, flowFor(index)));
    await Promise.all(children.slice(1).map((child) => child.next('ready', 120_000)));

    const { client: _dialect, ...connection } = store;
    db = knex({ client: server.knexClient, connection, pool: { min: 0, max: 2 } });
    // The dispatchers' runs (every second) lock this row too; MariaDB may pick the upsert as a deadlock victim.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await db('bsync_control')
          .insert({ dispatcher: CONTROL_KEY, fetch_size: several.fetchSize, max_in_flight: several.maxInFlight, paused: true, updated_by: 'bench', updated_at: Date.now() })
          .onConflict('dispatcher')
          .merge(['fetch_size', 'max_in_flight', 'paused', 'updated_by', 'updated_at']);
        break;
      } catch (error) {
        if (attempt >= 5 || !/deadlock/i.test(String((error as Error)?.message))) throw error;
        await sleep(200);
      }
    }

    // Files land whole (renamed in from beside the folder) and are parked while nothing claims.
    const staging = path.join(runDir, 'staging');
    fs.mkdirSync(staging, { recursive: true });
    for (const file of batchFiles) fs.copyFileSync(file, path.join(staging, path.basename(file)));
    for (const file of batchFiles) fs.renameSync(path.join(staging, path.basename(file)), path.join(dataDir, 'inbound', path.basename(file)));
    const table = 'bsync_batch';
    await waitFor('parking every batch', 60_000 + rows, async () => {
      const [{ count }] = (await db!(table).count({ count: '*' })) as { count: number | string }[];
      return Number(count) >= batchFiles.length ? true : undefined;
    });
    const parked = await countByStatus(db.queryBuilder().from(table));
    if ((parked.NEW ?? 0) !== batchFiles.length) throw new Error(`expected ${batchFiles.length} NEW batches before the start, found ${JSON.stringify(parked)}`);

    await fetch(`${ctx.apiOrigin}/reset?latency=${latencyMs}`, { method: 'POST' });
    const cpuBefore = children.map((child) => cpuSecondsOf(child.pid));
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await db('bsync_control').where('dispatcher', CONTROL_KEY).update({ paused: false, updated_at: startedAt });
        break;
      } catch (error) {
        if (attempt >= 5 || !/deadlock/i.test(String((error as Error)?.message))) throw error;
        await sleep(50);
      }
    }
    for (const child of children) child.send({ type: 'trigger', node: DISPATCHER_NODE });

    const perRowMs = setting === 'cpu' ? 5 : Math.max(5, (latencyMs * 4) / concurrency);
    // A partitioned batch is PROCESSING while its partitions run: it settles when the last one has finished it.
    await waitFor('every batch settling', 120_000 + rows * perRowMs, async () => {
      const [{ count }] = (await db!(table).whereNull('partition_of').whereIn('status', SETTLED).count({ count: '*' })) as { count: number | string }[];
      return Number(count) >= batchFiles.length ? true : undefined;
    });
    const cpuAfter = children.map((child) => cpuSecondsOf(child.pid));

    const batches = (
      (await db(table).select(
        'id',
        'status',
        'partition_of',
        'first_row',
        'last_row',
        'partition_count',
        'processed_rows',
        'succeeded_rows',
        'failed_rows',
        'attempts',
        'started_at',
        'finished_at',
      )) as Record<string, unknown>[]
    ).map(benchBatchRow);
    const topLevel = batches.filter((batch) => batch.partitionOf === null);
    const events = (await db('bsync_event').where('entity', 'batch').whereIn('action', ['claimed', 'lease-expired-reclaimed', 'partitions-settled']).select('batch_id', 'action', 'actor')) as {
      batch_id: number | string;
      action: string;
      actor: string;
    }[];
    const answered = await stubStats(ctx.apiOrigin);
    const finishedAt = Math.max(...topLevel.map((batch) => batch.finishedAt ?? Date.now()));
    result.durationMs = finishedAt - startedAt;
    result.rowsPerSecond = (rows / result.durationMs) * 1000;
    result.statuses = await countByStatus(db.queryBuilder().from(table).whereNull('partition_of'));
    result.server = answered;
    result.exactlyOnce = answered.requests === rows && answered.distinctKeys === rows && answered.duplicateKeys === 0 && answered.missingKeys === 0;
    const claims = events.filter((event) => event.action === 'claimed');
    result.claimEvents = claims.length;
    result.reclaimEvents = events.filter((event) => event.action === 'lease-expired-reclaimed').length;
    const claimsOf = (id: number) => claims.filter((event) => Number(event.batch_id) === id).length;
    // Every batch row: the batches, a partitioned batch and each of its partitions.
    result.claimedOnce = result.reclaimEvents === 0 && batches.every((batch) => claimsOf(batch.id) === 1 && batch.attempts === 1);
    result.peakRequestsInFlight = answered.maxInFlight;
    result.limitHeld = answered.maxInFlight <= result.requestLimit;
    // lease_owner is host:pid:nodeId (runtimeId): the pid says which runtime claimed the batch.
    const rowsOf = new Map(batches.map((batch) => [batch.id, batch.succeededRows]));
    // Partitioned: a runtime's share is the partitions it ran (the batch it split sent no row itself).
    const worked = new Set(batches.filter((batch) => (partitionRows === undefined ? true : batch.partitionOf !== null)).map((batch) => batch.id));
    const runtimeOfActor = (actor: string | undefined) => {
      const index = children.findIndex((child) => actor?.split(':')[1] === String(child.pid));
      return index >= 0 ? index + 1 : undefined;
    };
    result.perRuntime = children.map((child, index) => {
      const mine = claims.filter((event) => worked.has(Number(event.batch_id)) && event.actor.split(':')[1] === String(child.pid));
      const before = cpuBefore[index];
      const after = cpuAfter[index];
      return {
        runtime: index + 1,
        batches: mine.length,
        rows: mine.reduce((sum, event) => sum + (rowsOf.get(Number(event.batch_id)) ?? 0), 0),
        cpuSeconds: before === undefined || after === undefined ? undefined : Math.round((after - before) * 10) / 10,
      };
    });
    const runtimeOf = (batchId: number) => runtimeOfActor(claims.find((event) => Number(event.batch_id) === batchId)?.actor);
    const offset = (at: number | null) => (at === null ? undefined : at - startedAt);
    result.timeline = batches.map((batch) => ({
      batchId: batch.id,
      runtime: runtimeOf(batch.id),
      startMs: offset(batch.startedAt),
      endMs: offset(batch.finishedAt),
      ...(batch.partitionOf === null ? {} : { partitionOf: batch.partitionOf, firstRow: batch.firstRow ?? undefined, lastRow: batch.lastRow ?? undefined }),
    }));
    let allProcessed: boolean;
    if (partitionRows === undefined) {
      allProcessed = (result.statuses.PROCESSED ?? 0) === several.batches && batches.every((batch) => batch.succeededRows === several.batchRows);
    } else {
      result.partitions = checkPartitions(batches, rows, partitionRows);
      allProcessed = result.partitions.batchWhole && result.partitions.partitionsSettled && result.partitions.rangesWhole;
      result.splitBy = runtimeOf(topLevel[0]?.id);
      result.finishedBy = runtimeOfActor(events.find((event) => event.action === 'partitions-settled')?.actor);
    }
    result.ok = allProcessed && result.exactlyOnce && result.claimedOnce && result.limitHeld;
    if (!result.ok) {
      result.error = [
        allProcessed ? '' : result.partitions ? result.partitions.problems.join('; ') : `batches: ${JSON.stringify(result.statuses)}`,
        result.exactlyOnce ? '' : `not exactly once: ${answered.requests} requests, ${answered.distinctKeys} keys, ${answered.duplicateKeys} duplicates`,
        result.claimedOnce ? '' : `claims: ${claims.length} claimed, ${result.reclaimEvents} reclaimed for ${batches.length} batch rows`,
        result.limitHeld ? '' : `${answered.maxInFlight} requests in flight, above the limit of ${result.requestLimit}`,
      ]
        .filter(Boolean)
        .join('; ');
    }
    return result;
  } catch (error) {
    result.error = String((error as Error)?.message ?? error);
    return result;
  } finally {
    await db?.destroy();
    await Promise.all(children.map((child) => child.stop(15_000, { type: 'stop' })));
  }
}

function format(value: number | undefined, digits = 0): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(results: SeveralRunResult[]): void {
  const partitioned = results.some((r) => r.partitionRows !== undefined);
  const header = ['store', 'setting', 'runtimes', 'rows/s', 'speed-up', 'peak in flight / limit', partitioned ? 'partitions per runtime' : 'batches per runtime', 'CPU s per runtime', 'exactly once', 'claimed once'];
  if (partitioned) header.push('partitions settled', 'split / finished by');
  header.push('note');
  const rows = results.map((r) => [
    r.database,
    `${r.setting} (${r.latencyMs} ms${r.jsonata ? ', JSONata' : ''})`,
    String(r.runtimes),
    format(r.rowsPerSecond),
    r.speedUp === undefined ? '' : `${format(r.speedUp, 2)}×`,
    `${r.peakRequestsInFlight ?? '-'} / ${r.requestLimit}`,
    r.perRuntime?.map((p) => p.batches).join(' + ') ?? '-',
    r.perRuntime?.map((p) => format(p.cpuSeconds, 1)).join(' + ') ?? '-',
    r.exactlyOnce === undefined ? '-' : r.exactlyOnce ? 'yes' : 'NO',
    r.claimedOnce === undefined ? '-' : r.claimedOnce ? 'yes' : 'NO',
    ...(partitioned
      ? [r.partitions === undefined ? '-' : `${r.partitions.partitionsSettled && r.partitions.rangesWhole ? 'yes' : 'NO'} (${r.partitions.partitions})`, `${r.splitBy ?? '-'} / ${r.finishedBy ?? '-'}`]
      : []),
    r.ok ? '' : (r.error ?? 'failed').split('\n')[0].slice(0, 120),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i >= 2 && i <= 5 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Every store and setting: one runtime, then N, on the same batch files. */
export async function runSeveralRuntimes(ctx: SeveralContext): Promise<SeveralRunResult[]> {
  const several = ctx.options.several!;
  const batchDir = path.join(ctx.workDir, 'batches');
  fs.mkdirSync(batchDir, { recursive: true });
  const batchFiles: string[] = [];
  if (several.largeRows !== undefined) {
    console.log(`  partitioned: one batch of ${several.largeRows.toLocaleString('en-US')} rows, partitions of ${several.partitionRows!.toLocaleString('en-US')} rows (instead of the set)`);
    const file = path.join(batchDir, 'employee-bank-connections-large.csv');
    await writeCsv(file, several.largeRows);
    batchFiles.push(file);
  }
  for (let k = 0; several.largeRows === undefined && k < several.batches; k += 1) {
    const file = path.join(batchDir, `employee-bank-connections-${String(k + 1).padStart(3, '0')}.csv`);
    await writeCsv(file, several.batchRows, 1 + k * several.batchRows);
    batchFiles.push(file);
  }
  const results: SeveralRunResult[] = [];
  for (const database of several.databases) {
    const server = await startStoreServer(ctx, database);
    for (const setting of several.settings) {
      const one = await runSet(ctx, server, database, setting, 1, batchFiles);
      results.push(one);
      console.log(`  ${database}, ${setting}, 1 runtime: ${one.ok ? `${format(one.rowsPerSecond)} rows/s` : `FAILED: ${one.error}`}`);
      const many = await runSet(ctx, server, database, setting, several.runtimes, batchFiles);
      if (one.rowsPerSecond && many.rowsPerSecond) many.speedUp = many.rowsPerSecond / one.rowsPerSecond;
      results.push(many);
      console.log(`  ${database}, ${setting}, ${several.runtimes} runtimes: ${many.ok ? `${format(many.rowsPerSecond)} rows/s, ${format(many.speedUp, 2)}×` : `FAILED: ${many.error}`}`);
    }
  }
  console.log('');
  printTable(results);
  return results;
}
