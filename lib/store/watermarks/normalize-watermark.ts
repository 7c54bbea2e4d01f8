import { withNumericColumns } from '../numeric-columns';
import type { WatermarkRow } from '../tables';

/** The stored row with its JSON columns read and its numbers as numbers, whatever the driver gave. */
export function normalizeWatermark(row: Record<string, unknown>): WatermarkRow {
  const numeric = withNumericColumns<Record<string, unknown>>(row, ['batch_id', 'updated_at']);
  return {
    extract: String(numeric.extract),
    columns: JSON.parse(String(numeric.columns)) as string[],
    value: numeric.value === null || numeric.value === undefined ? null : (JSON.parse(String(numeric.value)) as Record<string, unknown>),
    batch_id: (numeric.batch_id as number | null) ?? null,
    updated_at: numeric.updated_at as number,
    updated_by: (numeric.updated_by as string | null) ?? null,
  };
}
