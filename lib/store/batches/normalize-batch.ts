import { withNumericColumns } from '../numeric-columns';
import type { BatchRow } from '../tables';

const NUMERIC: (keyof BatchRow)[] = [
  'id', 'size', 'status_time', 'parked_until', 'priority', 'attempts', 'total_rows', 'processed_rows',
  'succeeded_rows', 'failed_rows', 'skipped_rows', 'checkpoint_row', 'lease_until', 'parent_batch_id', 'partition_of',
  'first_row', 'last_row', 'partition_count', 'first_row_byte', 'lines_before', 'created_at',
  'updated_at', 'started_at', 'finished_at',
];

/** The row we hand on always has numbers, whatever the driver gave. */
export function normalizeBatch(row: Record<string, unknown>): BatchRow {
  return withNumericColumns<BatchRow>(row, NUMERIC);
}
