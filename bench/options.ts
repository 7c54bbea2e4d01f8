// Command line of `npm run bench`.
import { findBinary } from '../test/support/mariadb-server';

export type Database = 'sqlite' | 'mariadb';

export const ALL_VARIANTS = ['baseline', 'pipeline-sqlite', 'pipeline-mariadb', 'core-flow', 'pipeline-sqlite-jsonata', 'pipeline-mariadb-jsonata'] as const;
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
}

export const USAGE = `npm run bench -- [options]
  --rows N               rows in the generated CSV (default 100000)
  --concurrency N        requests in flight, for every variant (default 16)
  --latency MS           the stub API's answer latency in ms (default 2)
  --database D           sqlite | mariadb | both (default both when mariadbd is installed, else sqlite)
  --variants LIST        comma-separated: baseline, pipeline (per --database), core-flow, jsonata (the pipeline
                         with a JSONata mapping and success check, per --database), or exact names:
                         ${ALL_VARIANTS.join(', ')}
                         (default baseline,pipeline,core-flow)
  --out DIR              where the JSON result is written (default bench/results)
  --profile              write CPU profiles (node --cpu-prof) of the baseline and the runtimes into DIR,
                         as bench-<time>-<variant>.cpuprofile.json (node dist/bench/profile-summary.js FILE)
  --keep                 keep the temp dir (CSV, Node-RED user dirs, runtime logs)
  --poll S               file-persister poll interval and stable time, seconds (default 0.1)
  --baseline-runs N      1 or 2: the baseline runs first and, with 2, once more at the end; ratios use
                         the mean (default 2 up to 200,000 rows, else 1)
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
  };
  let variantList = 'baseline,pipeline,core-flow';
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
      case '--baseline-runs':
        options.baselineRuns = Math.min(2, Math.floor(number(1)));
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
  if (options.baselineRuns === 0) options.baselineRuns = options.rows <= 200_000 ? 2 : 1;
  const variants = new Set<Variant>();
  for (const name of variantList.split(',').map((part) => part.trim()).filter(Boolean)) {
    if (name === 'pipeline') for (const db of options.databases) variants.add(`pipeline-${db}`);
    else if (name === 'jsonata') for (const db of options.databases) variants.add(`pipeline-${db}-jsonata`);
    else if ((ALL_VARIANTS as readonly string[]).includes(name)) variants.add(name as Variant);
    else throw new Error(`unknown variant "${name}"\n${USAGE}`);
  }
  options.variants = ALL_VARIANTS.filter((variant) => variants.has(variant));
  if (options.variants.some((variant) => variant.includes('mariadb')) && !findBinary('mariadbd')) {
    throw new Error('a MariaDB variant was asked for, but mariadbd is not installed (apt-get install mariadb-server)');
  }
  return options;
}
