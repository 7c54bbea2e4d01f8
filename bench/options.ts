// Command line of `npm run bench`.
import { findBinary } from '../test/support/mariadb-server';
import { findPostgresBinaries } from '../test/support/postgres-server';

export type Database = 'sqlite' | 'mariadb';
/** The stores several runtimes can share: a database server (SQLite is one runtime's file). */
export type ServerDatabase = 'mariadb' | 'postgres';
/** cpu: a JSONata mapping and success check, latency 0. latency: no mapping, the stub answers after 50 ms. */
export type RuntimesSetting = 'cpu' | 'latency';
export const RUNTIMES_SETTINGS: readonly RuntimesSetting[] = ['cpu', 'latency'];

/** `--runtimes N`: several runtimes on one store over a set of batches, against one runtime (bench/runtimes.ts). */
export interface RuntimesOptions {
  runtimes: number;
  batches: number;
  batchRows: number;
  databases: ServerDatabase[];
  settings: RuntimesSetting[];
  /** The shared throttle (bsync_control): batches claimed per dispatcher run, and in flight over all runtimes. */
  fetchSize: number;
  maxInFlight: number;
  /** The stub's latency in the latency-bound setting, ms. */
  slowLatencyMs: number;
  /** Set by --large-rows: one batch of this many rows, split into partitions of partitionRows, instead of the set. */
  largeRows?: number;
  partitionRows?: number;
}

export const ALL_VARIANTS = [
  'baseline',
  'pipeline-sqlite',
  'pipeline-mariadb',
  'core-flow',
  'pipeline-sqlite-jsonata',
  'pipeline-mariadb-jsonata',
  'grouped-sqlite',
  'grouped-mariadb',
  'upsert-sqlite',
  'upsert-mariadb',
] as const;
export type Variant = (typeof ALL_VARIANTS)[number];

export interface BenchOptions {
  rows: number;
  concurrency: number;
  latencyMs: number;
  databases: Database[];
  variants: Variant[];
  /** Where the JSON result goes. */
  outDir: string;
  /** Write V8 CPU profiles of the Node-RED runtimes next to the result. */
  profile: boolean;
  /** Keep the temp dir (CSV, user dirs, logs) for a look afterwards. */
  keep: boolean;
  /** Seconds the file-persister waits between looks at the inbound folder, and for a file to be stable. */
  pollSeconds: number;
  stableSeconds: number;
  /** Baseline runs: one first, and with 2 one more last; the ratios use their mean (the machine drifts). */
  baselineRuns: number;
  /** The grouped variants: rows per call (the row-processor's "rows per call"), also the rows per account in the file. */
  groupSize: number;
  /** The upsert variants: the share of customers changed in the second run. */
  changedShare: number;
  /** Set by --runtimes: the several-runtimes bench runs instead of the variants. */
  several?: RuntimesOptions;
}

export const USAGE = `npm run bench -- [options]
  --rows N               rows in the generated CSV (default 100000)
  --concurrency N        requests in flight, for every variant (default 16)
  --latency MS           the stub API's answer latency in ms (default 2)
  --database D           sqlite | mariadb | both (default both when mariadbd is installed, else sqlite)
  --variants LIST        comma-separated: baseline, pipeline (per --database), core-flow, jsonata (the pipeline
                         with a JSONata mapping and success check, per --database), grouped (contacts sent
                         by account, --group-size rows per call, per --database), upsert (key matching: the
                         customers created, then a second run with --changed of them changed, per
                         --database), or exact names:
                         ${ALL_VARIANTS.join(', ')}
                         (default baseline,pipeline,core-flow)
  --out DIR              where the JSON result is written (default bench/results)
  --profile              write CPU profiles (node --cpu-prof) of the baseline and the runtimes into DIR,
                         as bench-<time>-<variant>.cpuprofile.json (node dist/bench/profile-summary.js FILE)
  --keep                 keep the temp dir (CSV, Node-RED user dirs, runtime logs)
  --poll S               file-persister poll interval and stable time, seconds (default 0.1)
  --group-size N         grouped: rows per call and per account (default 100)
  --changed F            upsert: share of the customers changed in the second run, above 0 up to 1 (default 0.1)
  --baseline-runs N      1 or 2: the baseline runs first and, with 2, once more at the end; ratios use
                         the mean (default 2 up to 200,000 rows, else 1)
several runtimes (bench/runtimes.ts; instead of the variants):
  --runtimes N           N runtimes (own processes) on one store database, against one runtime, same run
  --batches N            batches in the set (default 8)
  --batch-rows N         rows per batch (default 20000)
  --database D           mariadb | postgres | servers (both; default: those installed)
  --settings LIST        cpu (JSONata mapping and success check, latency 0), latency (no mapping,
                         --slow-latency ms); default cpu,latency
  --slow-latency MS      the latency-bound setting's latency (default 50)
  --fetch-size N         the shared throttle: batches per dispatcher run (default 2)
  --max-in-flight N      the shared throttle: batches in flight over all runtimes (default 4)
  --large-rows N         instead of the set: one batch of N rows, split into partitions (row ranges that
                         any runtime claims) by the row-processor's partitionRows
  --partition-rows N     rows per partition with --large-rows (default 100000)
environment: BENCH_RUNTIME_NODE_OPTIONS="--trace-gc ..." passes node flags to the Node-RED runtimes;
             BENCH_LOG_LEVEL=info shows their Node-RED log (in the work dir, with --keep);
             BENCH_PACKAGE_DIR=DIR loads another build of the package (package.json, dist/) into them`;

export function parseOptions(argv: string[], defaultOutDir: string): BenchOptions {
  const options: BenchOptions = {
    rows: 100_000,
    concurrency: 16,
    latencyMs: 2,
    databases: findBinary('mariadbd') ? ['sqlite', 'mariadb'] : ['sqlite'],
    variants: [],
    outDir: defaultOutDir,
    profile: false,
    keep: false,
    pollSeconds: 0.1,
    stableSeconds: 0.1,
    baselineRuns: 0,
    groupSize: 100,
    changedShare: 0.1,
  };
  let variantList = 'baseline,pipeline,core-flow';
  const several: RuntimesOptions = { runtimes: 0, batches: 8, batchRows: 20_000, databases: [], settings: [...RUNTIMES_SETTINGS], fetchSize: 2, maxInFlight: 4, slowLatencyMs: 50 };
  let databaseText: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    const number = (min: number) => {
      const text = value();
      const parsed = Number(text.replace(/_/g, ''));
      if (!Number.isFinite(parsed) || parsed < min) throw new Error(`${flag} must be a number of at least ${min}, not "${text}"`);
      return parsed;
    };
    switch (flag) {
      case '--rows':
        options.rows = Math.floor(number(1));
        break;
      case '--concurrency':
        options.concurrency = Math.floor(number(1));
        break;
      case '--latency':
        options.latencyMs = number(0);
        break;
      case '--database': {
        const db = value();
        databaseText = db;
        if (db === 'postgres' || db === 'servers') break;
        if (db === 'both') options.databases = ['sqlite', 'mariadb'];
        else if (db === 'sqlite' || db === 'mariadb') options.databases = [db];
        else throw new Error(`--database must be sqlite, mariadb or both, not "${db}"`);
        break;
      }
      case '--variants':
        variantList = value();
        break;
      case '--out':
        options.outDir = value();
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--keep':
        options.keep = true;
        break;
      case '--poll':
        options.pollSeconds = number(0.01);
        options.stableSeconds = options.pollSeconds;
        break;
      case '--group-size':
        options.groupSize = Math.floor(number(1));
        break;
      case '--changed':
        options.changedShare = number(0);
        // A second file of the same bytes is a duplicate: the file-persister never parks it.
        if (options.changedShare <= 0 || options.changedShare > 1) throw new Error(`--changed is a share of the rows, above 0 up to 1, not ${options.changedShare}`);
        break;
      case '--baseline-runs':
        options.baselineRuns = Math.min(2, Math.floor(number(1)));
        break;
      case '--runtimes':
        several.runtimes = Math.floor(number(2));
        break;
      case '--batches':
        several.batches = Math.floor(number(1));
        break;
      case '--batch-rows':
        several.batchRows = Math.floor(number(1));
        break;
      case '--settings': {
        const names = value().split(',').map((part) => part.trim()).filter(Boolean);
        const unknown = names.find((name) => !(RUNTIMES_SETTINGS as readonly string[]).includes(name));
        if (unknown !== undefined || names.length === 0) throw new Error(`--settings takes ${RUNTIMES_SETTINGS.join(', ')}, not "${unknown ?? ''}"`);
        several.settings = RUNTIMES_SETTINGS.filter((setting) => names.includes(setting));
        break;
      }
      case '--slow-latency':
        several.slowLatencyMs = number(0);
        break;
      case '--fetch-size':
        several.fetchSize = Math.floor(number(1));
        break;
      case '--max-in-flight':
        several.maxInFlight = Math.floor(number(1));
        break;
      case '--large-rows':
        several.largeRows = Math.floor(number(1));
        break;
      case '--partition-rows':
        several.partitionRows = Math.floor(number(1));
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
    }
  }
  if (several.partitionRows !== undefined && several.largeRows === undefined) throw new Error('--partition-rows needs --large-rows');
  if (several.largeRows !== undefined && several.runtimes === 0) throw new Error('--large-rows needs --runtimes N');
  if (several.largeRows !== undefined) several.partitionRows ??= 100_000;
  if (several.runtimes > 0) {
    const installed: ServerDatabase[] = [...(findBinary('mariadbd') ? ['mariadb' as const] : []), ...(findPostgresBinaries() ? ['postgres' as const] : [])];
    if (databaseText === undefined || databaseText === 'servers') several.databases = installed;
    else if (databaseText === 'mariadb' || databaseText === 'postgres') several.databases = [databaseText];
    else throw new Error(`with --runtimes, --database must be mariadb, postgres or servers (several runtimes share a database server), not "${databaseText}"`);
    const missing = several.databases.length === 0 ? 'a database server' : several.databases.find((db) => !installed.includes(db));
    if (missing) throw new Error(`--runtimes needs ${missing}, which is not installed`);
    options.several = several;
    return options;
  }
  if (databaseText === 'postgres' || databaseText === 'servers') throw new Error(`--database ${databaseText} is for --runtimes only`);
  if (options.baselineRuns === 0) options.baselineRuns = options.rows <= 200_000 ? 2 : 1;
  const variants = new Set<Variant>();
  for (const name of variantList.split(',').map((part) => part.trim()).filter(Boolean)) {
    if (name === 'pipeline') for (const db of options.databases) variants.add(`pipeline-${db}`);
    else if (name === 'jsonata') for (const db of options.databases) variants.add(`pipeline-${db}-jsonata`);
    else if (name === 'grouped' || name === 'upsert') for (const db of options.databases) variants.add(`${name}-${db}`);
    else if ((ALL_VARIANTS as readonly string[]).includes(name)) variants.add(name as Variant);
    else throw new Error(`unknown variant "${name}"\n${USAGE}`);
  }
  options.variants = ALL_VARIANTS.filter((variant) => variants.has(variant));
  if (options.variants.some((variant) => variant.includes('mariadb')) && !findBinary('mariadbd')) {
    throw new Error('a MariaDB variant was asked for, but mariadbd is not installed (apt-get install mariadb-server)');
  }
  return options;
}
