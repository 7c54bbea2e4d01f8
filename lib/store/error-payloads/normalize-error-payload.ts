import type { ErrorPayloadRow } from '../tables';

const NUMERIC: (keyof ErrorPayloadRow)[] = [
  'id', 'batch_id', 'row_number', 'http_status', 'attempts', 'lease_until', 'created_at', 'status_time', 'resolved_at',
];

export function normalizeErrorPayload(row: Record<string, unknown>): ErrorPayloadRow {
  const payload = { ...row } as Record<string, unknown>;
  for (const key of NUMERIC) {
    const value = payload[key];
    if (value !== null && value !== undefined) payload[key] = Number(value);
  }
  return payload as unknown as ErrorPayloadRow;
}
