import path from 'node:path';
import { createErrorFileWriter, errorFileName, type CsvOptions } from '../csv';
import { failedRowsOf, type Store } from '../store';
import { parseIdempotencyKey } from '../delivery/idempotency-key';

/**
 * Writes `<name>.errors.csv` from the batch's open error payloads: the original columns, the origin row
 * number and the error. Written from the database, so a batch resumed after a crash still gets every row.
 */
export async function writeBatchErrorFile(
  store: Store,
  batchId: number,
  fileName: string,
  columns: string[],
  folder: string,
  csv: Pick<CsvOptions, 'delimiter' | 'quote'>,
): Promise<string> {
  const target = path.join(folder, errorFileName(fileName));
  const writer = createErrorFileWriter(target, columns, { delimiter: csv.delimiter, quote: csv.quote });
  try {
    for await (const failed of failedRowsOf(store, batchId)) {
      const record = parseRecord(failed.original_payload);
      const origin = parseIdempotencyKey(failed.idempotency_key);
      await writer.write({ rowNumber: origin?.originRowNumber ?? failed.row_number, record, error: failed.error ?? '' });
    }
    const { path: written } = await writer.close();
    return written;
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

function parseRecord(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, field === null || field === undefined ? '' : String(field)]));
  } catch {
    return {};
  }
}
