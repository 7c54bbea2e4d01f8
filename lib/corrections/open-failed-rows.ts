import { failedRowRecord, rowsOfPayload } from '../processing/error-file-of-batch';
import { failedRowsOf, type ErrorPayloadRow, type Store } from '../store';

export { rowsOfPayload, toErrorFileRow } from '../processing/error-file-of-batch';

/**
 * The failed rows of a batch that a replay or an export should carry: NEW ones. READY and RESUBMITTED rows
 * are already on their way through the errors-mode dispatcher; resolved and discarded ones are done.
 */
export function openFailedRows(store: Store, batchId: number): AsyncGenerator<ErrorPayloadRow> {
  return failedRowsOf(store, batchId, ['NEW']);
}

/** The file's columns, in order: the columns of the failed rows as they were read. */
export async function columnsOfOpenRows(store: Store, batchId: number): Promise<string[]> {
  const columns = new Set<string>();
  for await (const payload of openFailedRows(store, batchId)) {
    for (const row of rowsOfPayload(payload)) for (const column of Object.keys(failedRowRecord(row.original_payload))) columns.add(column);
  }
  return [...columns];
}
