import type { Store } from '../open-store';
import type { ErrorPayloadRow } from '../tables';
import { getBatch } from '../batches/get-batch';
import { normalizeErrorPayload } from '../error-payloads/normalize-error-payload';

export type RowState =
  | { state: 'succeeded' }
  | { state: 'failed'; errorPayload: ErrorPayloadRow }
  | { state: 'pending' };

/**
 * Where a row of a batch stands, derived from the checkpoint and the error payloads (successful rows
 * are never written one by one): failed when it has an error payload, succeeded when the checkpoint
 * has passed it without one, pending otherwise.
 */
export async function rowState(store: Store, batchId: number, rowNumber: number): Promise<RowState> {
  const batch = await getBatch(store, batchId);
  const errorPayload = await store.knex(store.tables.errorPayload).where({ batch_id: batchId, row_number: rowNumber }).first();
  if (errorPayload) return { state: 'failed', errorPayload: normalizeErrorPayload(errorPayload) };
  if (rowNumber >= 1 && rowNumber <= batch.checkpoint_row) return { state: 'succeeded' };
  return { state: 'pending' };
}

/** The rows of a batch that have an error payload, with its status: a re-run updates them. */
export async function errorPayloadRows(store: Store, batchId: number): Promise<Map<number, { id: number; status: ErrorPayloadRow['status'] }>> {
  const rows = (await store.knex(store.tables.errorPayload).where('batch_id', batchId).select('id', 'row_number', 'status')) as {
    id: number;
    row_number: number;
    status: ErrorPayloadRow['status'];
  }[];
  return new Map(rows.map((row) => [Number(row.row_number), { id: Number(row.id), status: row.status }]));
}

/**
 * The error payloads of a batch in row order, page by page (a batch may have many): by default the open
 * ones (NEW, READY, RESUBMITTED), which its error file lists.
 */
export async function* failedRowsOf(
  store: Store,
  batchId: number,
  statuses: readonly ErrorPayloadRow['status'][] = ['NEW', 'READY', 'RESUBMITTED'],
  pageSize = 1000,
): AsyncGenerator<ErrorPayloadRow> {
  let after = 0;
  for (;;) {
    const rows = (await store
      .knex(store.tables.errorPayload)
      .where('batch_id', batchId)
      .whereIn('status', statuses as ErrorPayloadRow['status'][])
      .where('row_number', '>', after)
      .orderBy('row_number', 'asc')
      .limit(pageSize)) as Record<string, unknown>[];
    if (rows.length === 0) return;
    for (const row of rows) yield normalizeErrorPayload(row);
    after = Number(rows[rows.length - 1].row_number);
  }
}
