import type { BatchRow } from '../tables';

const NUMERIC: (keyof BatchRow)[] = [
  'id', 'size', 'status_time', 'parked_until', 'priority', 'attempts', 'total_rows', 'processed_rows',
  'succeeded_rows', 'failed_rows', 'checkpoint_row', 'lease_until', 'parent_batch_id', 'created_at',
  'updated_at', 'started_at', 'finished_at',
];

/** Drivers differ on BIGINT (number or string): the row we hand on always has numbers. */
export function normalizeBatch(row: Record<string, unknown>): BatchRow {
  const batch = { ...row } as Record<string, unknown>;
  for (const key of NUMERIC) {
    const value = batch[key];
    if (value !== null && value !== undefined) batch[key] = Number(value);
  }
  return batch as unknown as BatchRow;
}
