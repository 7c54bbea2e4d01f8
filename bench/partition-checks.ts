// The checks of the partitioned scenario of `npm run bench -- --runtimes N --large-rows R` (bench/runtimes.ts):
// one batch of R rows split by the row-processor into partitions that the runtimes claim like batches.
// What must hold at the end: the batch PROCESSED with exact counters, as many partitions as the split asks
// for, their row ranges covering the file once (no gap, no overlap), every one PROCESSED with its own
// range's counters, and each claimed once (checked with the other batches' claims in runtimes.ts).

export interface BenchBatchRow {
  id: number;
  status: string;
  partitionOf: number | null;
  firstRow: number | null;
  lastRow: number | null;
  partitionCount: number;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Reads a bsync_batch row as the bench needs it (MariaDB and PostgreSQL hand back numbers or strings). */
export function benchBatchRow(row: Record<string, unknown>): BenchBatchRow {
  const number = (value: unknown) => Number(value ?? 0);
  const orNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    id: number(row.id),
    status: String(row.status),
    partitionOf: orNull(row.partition_of),
    firstRow: orNull(row.first_row),
    lastRow: orNull(row.last_row),
    partitionCount: number(row.partition_count),
    processedRows: number(row.processed_rows),
    succeededRows: number(row.succeeded_rows),
    failedRows: number(row.failed_rows),
    attempts: number(row.attempts),
    startedAt: orNull(row.started_at),
    finishedAt: orNull(row.finished_at),
  };
}

export interface PartitionCheck {
  /** How many partitions the split made, and how many it should have (ceil(rows / partition rows)). */
  partitions: number;
  expectedPartitions: number;
  /** The batch PROCESSED, partition_count as made, processed = succeeded = rows, failed 0. */
  batchWhole: boolean;
  /** Every partition PROCESSED, with processed = succeeded = its range's rows, failed 0. */
  partitionsSettled: boolean;
  /** The ranges, in row order, run 1..rows with no gap and no overlap. */
  rangesWhole: boolean;
  /** What failed, in plain words; empty when everything held. */
  problems: string[];
}

export function checkPartitions(batches: readonly BenchBatchRow[], rows: number, partitionRows: number): PartitionCheck {
  const problems: string[] = [];
  const parents = batches.filter((batch) => batch.partitionOf === null);
  const parent = parents.length === 1 ? parents[0] : undefined;
  if (!parent) problems.push(`expected one batch that is not a partition, found ${parents.length}`);
  const partitions = batches.filter((batch) => batch.partitionOf !== null).sort((a, b) => (a.firstRow ?? 0) - (b.firstRow ?? 0));
  const expectedPartitions = Math.ceil(rows / partitionRows);
  if (partitions.length !== expectedPartitions) problems.push(`${partitions.length} partitions, expected ${expectedPartitions}`);
  const foreign = partitions.filter((partition) => partition.partitionOf !== parent?.id);
  if (foreign.length > 0) problems.push(`${foreign.length} partitions of another batch`);

  const batchWhole =
    parent !== undefined &&
    parent.status === 'PROCESSED' &&
    parent.partitionCount === partitions.length &&
    parent.processedRows === rows &&
    parent.succeededRows === rows &&
    parent.failedRows === 0;
  if (parent && !batchWhole) {
    problems.push(
      `batch ${parent.id}: ${parent.status}, ${parent.partitionCount} partitions, ${parent.processedRows} processed, ${parent.succeededRows} succeeded, ${parent.failedRows} failed of ${rows} rows`,
    );
  }

  const unsettled = partitions.filter((partition) => {
    const size = (partition.lastRow ?? 0) - (partition.firstRow ?? 0) + 1;
    return partition.status !== 'PROCESSED' || partition.processedRows !== size || partition.succeededRows !== size || partition.failedRows !== 0;
  });
  if (unsettled.length > 0) {
    const first = unsettled[0];
    problems.push(
      `${unsettled.length} partitions not settled whole, e.g. batch ${first.id} (rows ${first.firstRow}-${first.lastRow}): ${first.status}, ${first.succeededRows} succeeded, ${first.failedRows} failed`,
    );
  }

  let next = 1;
  let rangesWhole = partitions.length > 0;
  for (const partition of partitions) {
    if (partition.firstRow !== next || partition.lastRow === null || partition.lastRow < partition.firstRow) rangesWhole = false;
    next = (partition.lastRow ?? next) + 1;
  }
  if (next !== rows + 1) rangesWhole = false;
  if (!rangesWhole) problems.push(`the partitions' ranges do not cover rows 1-${rows} once: ${partitions.map((p) => `${p.firstRow}-${p.lastRow}`).join(', ')}`);

  return { partitions: partitions.length, expectedPartitions, batchWhole, partitionsSettled: partitions.length > 0 && unsettled.length === 0, rangesWhole, problems };
}
