// Keeps `npm run bench` working: a small run (2,000 rows, SQLite) must finish, write its JSON result, and
// show every variant delivering each row exactly once; the grouped and upsert variants the same, each by its
// own measure; a small `--runtimes 2` run (MariaDB) must show each row once, each batch claimed once and
// the shared limit held; and a small partitioned run (one batch of 3,000 rows in partitions of 1,000) each row
// once, each partition claimed once and settled, the batch whole. The figures themselves are not judged here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { findBinary } from '../support/mariadb-server';

const ROWS = 2000;

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('npm run bench -- --rows 2000 --database sqlite: every variant delivers each row exactly once', { timeout: 120_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-smoke-'));
  try {
    // dist/test/bench -> dist/bench/run.js
    const script = path.join(__dirname, '..', '..', 'bench', 'run.js');
    const { code, output } = await run([script, '--rows', String(ROWS), '--database', 'sqlite', '--baseline-runs', '1', '--out', out]);
    assert.equal(code, 0, output);
    const files = fs.readdirSync(out).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1, `one JSON result in ${out}: ${files.join(', ')}`);
    const report = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8')) as {
      results: { variant: string; ok: boolean; error?: string; exactlyOnce: boolean; rowsPerSecond?: number; statementsPer1000Rows?: number; server: { requests: number; distinctKeys: number } }[];
    };
    assert.deepEqual(report.results.map((result) => result.variant).sort(), ['baseline', 'core-flow', 'pipeline-sqlite']);
    for (const result of report.results) {
      assert.ok(result.ok, `${result.variant}: ${result.error}`);
      assert.equal(result.exactlyOnce, true, `${result.variant}: ${JSON.stringify(result.server)}`);
      assert.equal(result.server.requests, ROWS, result.variant);
      assert.equal(result.server.distinctKeys, ROWS, result.variant);
      assert.ok((result.rowsPerSecond ?? 0) > 0, result.variant);
    }
    const pipeline = report.results.find((result) => result.variant === 'pipeline-sqlite');
    assert.ok((pipeline?.statementsPer1000Rows ?? 0) > 0, 'the pipeline counted its database statements');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

const GROUP_SIZE = 50;

interface VariantReport {
  variant: string;
  ok: boolean;
  error?: string;
  exactlyOnce: boolean;
  rowsPerSecond?: number;
  statementsPer1000Rows?: number;
  skippedRows?: number;
  upsertRun?: string;
  batch: { status: string; succeeded_rows: number; skipped_rows: number; failed_rows: number };
  server: Record<string, number>;
}

it(
  'npm run bench -- --variants grouped,upsert --rows 2000: one call per group of 50; upsert creates every customer, then sends only the 10% changed',
  { timeout: 300_000 },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-variants-'));
    try {
      const script = path.join(__dirname, '..', '..', 'bench', 'run.js');
      // MariaDB too when it is installed: the variants' store is the row-processor's, either kind.
      const database = findBinary('mariadbd') ? 'both' : 'sqlite';
      const args = [script, '--rows', String(ROWS), '--database', database, '--variants', 'grouped,upsert', '--group-size', String(GROUP_SIZE), '--changed', '0.1', '--out', out];
      const { code, output } = await run(args);
      assert.equal(code, 0, output);
      const files = fs.readdirSync(out).filter((name) => name.endsWith('.json'));
      assert.equal(files.length, 1, `one JSON result in ${out}: ${files.join(', ')}`);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8')) as { results: VariantReport[] };
      const databases = database === 'both' ? ['sqlite', 'mariadb'] : ['sqlite'];
      const expected = databases.flatMap((db) => [`grouped-${db}`, `upsert-${db}/first`, `upsert-${db}/second`]).sort();
      assert.deepEqual(report.results.map((result) => (result.upsertRun ? `${result.variant}/${result.upsertRun}` : result.variant)).sort(), expected);
      const groups = ROWS / GROUP_SIZE;
      const changed = ROWS / 10;
      for (const result of report.results) {
        const name = result.upsertRun ? `${result.variant} ${result.upsertRun}` : result.variant;
        const server = JSON.stringify(result.server);
        assert.ok(result.ok, `${name}: ${result.error}`);
        assert.equal(result.exactlyOnce, true, `${name}: ${server}`);
        assert.equal(result.batch.status, 'PROCESSED', name);
        assert.equal(result.batch.failed_rows, 0, name);
        assert.ok((result.rowsPerSecond ?? 0) > 0, name);
        assert.ok((result.statementsPer1000Rows ?? 0) > 0, `${name}: statements counted`);
        if (result.variant.startsWith('grouped')) {
          assert.equal(result.server.requests, groups, `${name}: one call per group: ${server}`);
          assert.equal(result.server.distinctKeys, groups, `${name}: ${server}`);
          assert.equal(result.server.distinctPaths, groups, `${name}: one call per account: ${server}`);
          assert.equal(result.server.items, ROWS, `${name}: every row an item: ${server}`);
          assert.equal(result.batch.succeeded_rows, ROWS, name);
        } else if (result.upsertRun === 'first') {
          assert.equal(result.server.creates, ROWS, `${name}: ${server}`);
          assert.equal(result.server.distinctCreated, ROWS, `${name}: every customer created once: ${server}`);
          assert.equal(result.server.updates, 0, `${name}: ${server}`);
          assert.equal(result.batch.skipped_rows, 0, name);
        } else {
          assert.equal(result.server.requests, changed, `${name}: a request per changed row only: ${server}`);
          assert.equal(result.server.updates, changed, `${name}: ${server}`);
          assert.equal(result.server.distinctUpdated, changed, `${name}: each changed customer updated once: ${server}`);
          assert.equal(result.server.creates, 0, `${name}: ${server}`);
          assert.equal(result.server.unknownIds, 0, `${name}: updates name the ids the first run was given: ${server}`);
          assert.equal(result.batch.succeeded_rows, changed, name);
          assert.equal(result.batch.skipped_rows, ROWS - changed, `${name}: the unchanged rows skipped`);
          assert.equal(result.skippedRows, ROWS - changed, name);
        }
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);

const BATCHES = 4;
const BATCH_ROWS = 500;

it(
  'npm run bench -- --runtimes 2 (4 × 500 rows, MariaDB): each row exactly once at the server, each batch claimed once, the shared limit held',
  { timeout: 600_000, skip: findBinary('mariadbd') ? false : 'mariadbd is not installed' },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-runtimes-'));
    try {
      const script = path.join(__dirname, '..', '..', 'bench', 'run.js');
      const args = [script, '--runtimes', '2', '--batches', String(BATCHES), '--batch-rows', String(BATCH_ROWS), '--database', 'mariadb', '--out', out];
      const { code, output } = await run(args);
      assert.equal(code, 0, output);
      const files = fs.readdirSync(out).filter((name) => name.endsWith('-runtimes.json'));
      assert.equal(files.length, 1, `one JSON result in ${out}: ${files.join(', ')}`);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8')) as {
        results: {
          setting: string;
          runtimes: number;
          ok: boolean;
          error?: string;
          exactlyOnce: boolean;
          claimedOnce: boolean;
          claimEvents: number;
          reclaimEvents: number;
          limitHeld: boolean;
          requestLimit: number;
          peakRequestsInFlight: number;
          rowsPerSecond?: number;
          speedUp?: number;
          server: { requests: number; distinctKeys: number; duplicateKeys: number };
          perRuntime: { batches: number; rows: number }[];
        }[];
      };
      // One runtime and two, in each setting.
      assert.deepEqual(report.results.map((result) => `${result.setting}/${result.runtimes}`), ['cpu/1', 'cpu/2', 'latency/1', 'latency/2']);
      for (const result of report.results) {
        const name = `${result.setting}, ${result.runtimes} runtime(s)`;
        assert.ok(result.ok, `${name}: ${result.error}`);
        assert.equal(result.exactlyOnce, true, `${name}: ${JSON.stringify(result.server)}`);
        assert.equal(result.server.requests, BATCHES * BATCH_ROWS, name);
        assert.equal(result.server.distinctKeys, BATCHES * BATCH_ROWS, name);
        assert.equal(result.claimedOnce, true, name);
        assert.equal(result.claimEvents, BATCHES, name);
        assert.equal(result.reclaimEvents, 0, name);
        assert.ok(result.peakRequestsInFlight > 0 && result.peakRequestsInFlight <= result.requestLimit, `${name}: ${result.peakRequestsInFlight} in flight, limit ${result.requestLimit}`);
        assert.equal(result.perRuntime.length, result.runtimes, name);
        assert.equal(result.perRuntime.reduce((sum, runtime) => sum + runtime.batches, 0), BATCHES, name);
        assert.equal(result.perRuntime.reduce((sum, runtime) => sum + runtime.rows, 0), BATCHES * BATCH_ROWS, name);
        assert.ok((result.rowsPerSecond ?? 0) > 0, name);
        if (result.runtimes === 2) assert.ok((result.speedUp ?? 0) > 0, `${name}: a speed-up against one runtime`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);

const LARGE_ROWS = 3000;
const PARTITION_ROWS = 1000;

it(
  'npm run bench -- --runtimes 2 --large-rows 3000 --partition-rows 1000 (MariaDB): one batch in partitions, each row exactly once, each partition claimed once and settled',
  { timeout: 600_000, skip: findBinary('mariadbd') ? false : 'mariadbd is not installed' },
  async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-bench-partitions-'));
    try {
      const script = path.join(__dirname, '..', '..', 'bench', 'run.js');
      const args = [script, '--runtimes', '2', '--large-rows', String(LARGE_ROWS), '--partition-rows', String(PARTITION_ROWS), '--database', 'mariadb', '--out', out];
      const { code, output } = await run(args);
      assert.equal(code, 0, output);
      const files = fs.readdirSync(out).filter((name) => name.endsWith('-runtimes.json'));
      assert.equal(files.length, 1, `one JSON result in ${out}: ${files.join(', ')}`);
      const report = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8')) as {
        results: {
          setting: string;
          runtimes: number;
          ok: boolean;
          error?: string;
          rows: number;
          partitionRows: number;
          exactlyOnce: boolean;
          claimedOnce: boolean;
          claimEvents: number;
          reclaimEvents: number;
          limitHeld: boolean;
          statuses: Record<string, number>;
          server: { requests: number; distinctKeys: number; duplicateKeys: number };
          partitions: { partitions: number; expectedPartitions: number; batchWhole: boolean; partitionsSettled: boolean; rangesWhole: boolean; problems: string[] };
          perRuntime: { batches: number; rows: number }[];
          timeline: { batchId: number; runtime?: number; partitionOf?: number; firstRow?: number; lastRow?: number }[];
          splitBy?: number;
          finishedBy?: number;
          rowsPerSecond?: number;
          speedUp?: number;
        }[];
      };
      const partitionCount = LARGE_ROWS / PARTITION_ROWS;
      assert.deepEqual(report.results.map((result) => `${result.setting}/${result.runtimes}`), ['cpu/1', 'cpu/2', 'latency/1', 'latency/2']);
      for (const result of report.results) {
        const name = `${result.setting}, ${result.runtimes} runtime(s)`;
        assert.ok(result.ok, `${name}: ${result.error}`);
        assert.equal(result.rows, LARGE_ROWS, name);
        assert.equal(result.partitionRows, PARTITION_ROWS, name);
        // Each row once at the server.
        assert.equal(result.exactlyOnce, true, `${name}: ${JSON.stringify(result.server)}`);
        assert.equal(result.server.requests, LARGE_ROWS, name);
        assert.equal(result.server.distinctKeys, LARGE_ROWS, name);
        assert.equal(result.server.duplicateKeys, 0, name);
        // The batch whole, its partitions settled and covering the file once.
        assert.deepEqual(result.statuses, { PROCESSED: 1 }, name);
        assert.equal(result.partitions.partitions, partitionCount, name);
        assert.equal(result.partitions.expectedPartitions, partitionCount, name);
        assert.equal(result.partitions.batchWhole, true, `${name}: ${result.partitions.problems.join('; ')}`);
        assert.equal(result.partitions.partitionsSettled, true, `${name}: ${result.partitions.problems.join('; ')}`);
        assert.equal(result.partitions.rangesWhole, true, `${name}: ${result.partitions.problems.join('; ')}`);
        // Claimed once each: the batch (by the runtime that split it) and every partition.
        assert.equal(result.claimedOnce, true, name);
        assert.equal(result.claimEvents, 1 + partitionCount, name);
        assert.equal(result.reclaimEvents, 0, name);
        assert.equal(result.limitHeld, true, name);
        const partitions = result.timeline.filter((entry) => entry.partitionOf !== undefined);
        assert.equal(partitions.length, partitionCount, name);
        for (const partition of partitions) assert.ok(partition.runtime !== undefined && partition.runtime <= result.runtimes, `${name}: partition ${partition.batchId} ran on runtime ${partition.runtime}`);
        assert.ok(result.splitBy !== undefined && result.finishedBy !== undefined, `${name}: split by ${result.splitBy}, finished by ${result.finishedBy}`);
        // The runtimes' shares: partitions, not the batch they split.
        assert.equal(result.perRuntime.length, result.runtimes, name);
        assert.equal(result.perRuntime.reduce((sum, runtime) => sum + runtime.batches, 0), partitionCount, name);
        assert.equal(result.perRuntime.reduce((sum, runtime) => sum + runtime.rows, 0), LARGE_ROWS, name);
        assert.ok((result.rowsPerSecond ?? 0) > 0, name);
        if (result.runtimes === 2) assert.ok((result.speedUp ?? 0) > 0, `${name}: a speed-up against one runtime`);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  },
);
