import { withNumericColumns } from '../numeric-columns';
import type { ErrorPayloadRow } from '../tables';

const NUMERIC: (keyof ErrorPayloadRow)[] = [
  'id', 'batch_id', 'row_number', 'http_status', 'attempts', 'row_count', 'lease_until', 'created_at', 'status_time', 'resolved_at',
];

export function normalizeErrorPayload(row: Record<string, unknown>): ErrorPayloadRow {
  return withNumericColumns<ErrorPayloadRow>(row, NUMERIC);
}
