// The baseline of the benchmark: what a plain script on this machine does with the same file and the
// same server, with nothing of ours: csv-parse, an undici Pool, at most `concurrency` requests at once.
// No database, no Node-RED, no validation, no checkpoints. Started by bench/run.ts with fork().
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { Pool } from 'undici';
import { memoryOf } from './proc';

export interface BaselineJob {
  file: string;
  origin: string;
  concurrency: number;
}

export interface BaselineResult {
  startedAt: number;
  finishedAt: number;
  rows: number;
  succeeded: number;
  failed: number;
  /** VmHWM of this process at the end, bytes. */
  peakRss: number;
  /** CPU time of this process between the first row and the last answer, seconds. */
  cpuSeconds: number;
}

async function run(job: BaselineJob): Promise<BaselineResult> {
  const pool = new Pool(job.origin, { connections: job.concurrency, pipelining: 1 });
  let active = 0;
  let wake: (() => void) | undefined;
  let rows = 0;
  let succeeded = 0;
  let failed = 0;

  const send = async (record: Record<string, string>, row: number) => {
    try {
      const response = await pool.request({
        method: 'POST',
        path: `/employees/${encodeURIComponent(record.employeeNumber)}/bank-connections`,
        headers: { 'content-type': 'application/json', 'idempotency-key': `baseline-${row}` },
        body: JSON.stringify(record),
      });
      const text = await response.body.text();
      if (response.statusCode >= 200 && response.statusCode < 300 && text.length > 0) succeeded += 1;
      else failed += 1;
    } catch {
      failed += 1;
    }
  };

  const startedAt = Date.now();
  const cpuBefore = process.cpuUsage();
  const parser = fs.createReadStream(job.file).pipe(parse({ columns: true, bom: true, skip_empty_lines: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    rows += 1;
    while (active >= job.concurrency) await new Promise<void>((resolve) => (wake = resolve));
    active += 1;
    void send(record, rows).finally(() => {
      active -= 1;
      const waiting = wake;
      wake = undefined;
      waiting?.();
    });
  }
  while (active > 0) await new Promise<void>((resolve) => (wake = resolve));
  const finishedAt = Date.now();
  const cpu = process.cpuUsage(cpuBefore);
  await pool.close();
  return { startedAt, finishedAt, rows, succeeded, failed, peakRss: memoryOf(process.pid)?.peakRss ?? 0, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const job = JSON.parse(process.env.BENCH_JOB ?? '{}') as BaselineJob;
run(job).then(
  (result) => {
    process.send?.({ type: 'result', result }, () => process.exit(0));
  },
  (error) => {
    process.send?.({ type: 'error', error: String(error?.stack ?? error) }, () => process.exit(1));
  },
);
