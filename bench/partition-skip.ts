// What a partition pays before its first row: `node dist/bench/partition-skip.js --rows 1000000 --partition-rows
// 100000` (after `npm run build`). A partition reads its batch's file from the top and skips the rows before
// its range, parsing them (lib/csv readCsvRows with afterRow = its first row - 1). This times, for each
// partition of a file of that many rows, the wall clock and this process's CPU from opening the file to its
// first row, with the reader the row-processor uses, and sums them against one read of the whole file: the
// extra parsing that partitioning costs a batch. It also times one scan of the file (lib/csv scanCsv: the row
// count and columns), which the batch's split and, today, every partition's start do before any row. See bench/README.md, "Partitions of one large batch".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvRowStarts, readCsvRows, scanCsv, type CsvRowStart } from '../lib/csv';
import { writeCsv } from './reference-rows';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]?.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, not "${process.argv[index + 1]}"`);
  return value;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Opens the file, skips `afterRow` rows and reads one: the time and CPU that took, ms. */
async function firstRowAfter(file: string, afterRow: number, start?: CsvRowStart): Promise<{ wallMs: number; cpuMs: number; firstRow: number }> {
  const wallBefore = performance.now();
  const cpuBefore = cpuMs();
  for await (const row of readCsvRows(file, {}, afterRow, start)) {
    return { wallMs: performance.now() - wallBefore, cpuMs: cpuMs() - cpuBefore, firstRow: row.rowNumber };
  }
  throw new Error(`${file} has no row after ${afterRow}`);
}

async function main(): Promise<void> {
  const rows = argument('--rows', 1_000_000);
  const partitionRows = argument('--partition-rows', 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-partition-skip-'));
  try {
    const file = path.join(dir, 'large.csv');
    await writeCsv(file, rows);
    // The whole file once, as an unpartitioned batch reads it.
    const wallBefore = performance.now();
    const cpuBefore = cpuMs();
    let count = 0;
    for await (const _row of readCsvRows(file, {}, 0)) count += 1;
    const whole = { wallMs: performance.now() - wallBefore, cpuMs: cpuMs() - cpuBefore };
    if (count !== rows) throw new Error(`read ${count} rows of ${rows}`);
    const scanWallBefore = performance.now();
    const scanCpuBefore = cpuMs();
    const scanned = await scanCsv(file, {});
    const scan = { wallMs: performance.now() - scanWallBefore, cpuMs: cpuMs() - scanCpuBefore };
    if (scanned.rows !== rows) throw new Error(`the scan counted ${scanned.rows} rows of ${rows}`);

    const skips: { firstRow: number; wallMs: number; cpuMs: number }[] = [];
    for (let firstRow = 1; firstRow <= rows; firstRow += partitionRows) {
      const skip = await firstRowAfter(file, firstRow - 1);
      if (skip.firstRow !== firstRow) throw new Error(`after ${firstRow - 1} rows the reader gave row ${skip.firstRow}`);
      skips.push({ firstRow, wallMs: skip.wallMs, cpuMs: skip.cpuMs });
    }
    // What the row-processor does since partitions start at their row: one pass at the split finds where each
    // partition's first row starts, and each partition reads the header and then from there.
    const startsWallBefore = performance.now();
    const startsCpuBefore = cpuMs();
    const starts = (await csvRowStarts(file, {}, skips.map((skip) => skip.firstRow)))!;
    const startsPass = { wallMs: performance.now() - startsWallBefore, cpuMs: cpuMs() - startsCpuBefore };
    const fromStarts: { firstRow: number; wallMs: number; cpuMs: number }[] = [];
    for (const start of starts) {
      const read = await firstRowAfter(file, start.rowNumber - 1, start);
      if (read.firstRow !== start.rowNumber) throw new Error(`from the start of row ${start.rowNumber} the reader gave row ${read.firstRow}`);
      fromStarts.push({ firstRow: start.rowNumber, wallMs: read.wallMs, cpuMs: read.cpuMs });
    }
    const startedTotal = fromStarts.reduce((sum, read) => ({ wallMs: sum.wallMs + read.wallMs, cpuMs: sum.cpuMs + read.cpuMs }), { wallMs: 0, cpuMs: 0 });
    const total = skips.reduce((sum, skip) => ({ wallMs: sum.wallMs + skip.wallMs, cpuMs: sum.cpuMs + skip.cpuMs }), { wallMs: 0, cpuMs: 0 });
    const round = (ms: number) => Math.round(ms);
    console.log(`${rows.toLocaleString('en-US')} rows, partitions of ${partitionRows.toLocaleString('en-US')}; load average ${os.loadavg().map((value) => value.toFixed(1)).join(' ')}`);
    console.log(`whole file read once: ${round(whole.wallMs)} ms, ${round(whole.cpuMs)} ms CPU (${((whole.cpuMs * 1000) / rows).toFixed(2)} µs CPU a row)`);
    console.log(`one scan of the file (scanCsv): ${round(scan.wallMs)} ms, ${round(scan.cpuMs)} ms CPU`);
    for (const skip of skips) console.log(`  partition from row ${skip.firstRow.toLocaleString('en-US')}: first row after ${round(skip.wallMs)} ms, ${round(skip.cpuMs)} ms CPU`);
    console.log(`skipping in all partitions: ${round(total.wallMs)} ms, ${round(total.cpuMs)} ms CPU = ${(total.cpuMs / whole.cpuMs).toFixed(2)} × one read of the file`);
    console.log(`finding every partition's row start (one pass, at the split): ${round(startsPass.wallMs)} ms, ${round(startsPass.cpuMs)} ms CPU`);
    console.log(`starting all partitions at their row (header, then from the byte): ${round(startedTotal.wallMs)} ms, ${round(startedTotal.cpuMs)} ms CPU`);
    console.log(JSON.stringify({ rows, partitionRows, loadAverage: os.loadavg(), whole, scan, skips, total, startsPass, fromStarts, startedTotal }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(String(error?.stack ?? error));
  process.exit(1);
});
