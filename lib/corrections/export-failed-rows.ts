import { errorFileDataColumns, errorFileHeader, errorFileLine } from '../csv';
import { InvalidRequestError } from '../errors';
import { getBatch, recordEvents, writeTransaction, type Store } from '../store';
import { columnsOfOpenRows, openFailedRows, rowsOfPayload, toErrorFileRow } from './open-failed-rows';
import { replayFileName } from '../lineage';

export interface CsvFormat {
  delimiter?: string;
  quote?: string;
}

export interface ExportRequest {
  batchId: number;
  actor: string;
  csv?: CsvFormat;
  now?: number;
}

export interface ExportedRows {
  /** The batch the rows failed in: park the fixed file as a replay of it (parent_batch_id). */
  parentBatchId: number;
  /** `<name>.replay-<batch>.csv`: the name tells a re-import which batch it replays. */
  fileName: string;
  /** The rows in the error file's format: the original columns, bsync_row_number, bsync_error, bsync_quoted. */
  csv: string;
  rows: number;
}

/**
 * The NEW failed rows of a file batch as CSV text, in the format of its error file, to be fixed outside
 * Node-RED and parked again as a replay of this batch. The origin row numbers keep each row's idempotency
 * key, provided the re-imported file is parked with parent_batch_id = this batch (see the node's help).
 */
export async function exportFailedRows(store: Store, request: ExportRequest): Promise<ExportedRows> {
  const now = request.now ?? Date.now();
  const batch = await getBatch(store, request.batchId);
  if (batch.kind !== 'file') {
    throw new InvalidRequestError(`batch ${batch.id} is a single payload, not a file: it has no rows to export as CSV`, { batchId: batch.id });
  }
  if (batch.format === 'jsonl') {
    // Its rows have types and nested values that CSV cells would turn into text: they would not come back the same.
    const where = batch.error_file ? `its error file ${batch.error_file}` : 'its error file';
    throw new InvalidRequestError(
      `batch ${batch.id} is a JSON Lines batch: export is CSV only, and would change its rows' values; use ${where} or replay the failed rows`,
      { batchId: batch.id },
    );
  }
  const delimiter = request.csv?.delimiter || ',';
  const quote = request.csv?.quote || '"';
  const columns = errorFileDataColumns(await columnsOfOpenRows(store, batch.id));
  // The error file's own format: formula-like cells quoted (the export is opened in spreadsheets), ragged rows whole.
  const lines = [errorFileHeader(columns, delimiter, quote)];
  for await (const errorPayload of openFailedRows(store, batch.id)) {
    for (const row of rowsOfPayload(errorPayload)) lines.push(errorFileLine(columns, toErrorFileRow(row), delimiter, quote));
  }
  const rows = lines.length - 1;
  if (rows === 0) throw new InvalidRequestError(`batch ${batch.id} has no NEW failed rows to export`, { batchId: batch.id });
  const exported = { parentBatchId: batch.id, fileName: replayFileName(batch.file_name, batch.id), csv: lines.join(''), rows };
  // Handing out a batch's data is an action an auditor wants to see, even though nothing changes.
  await writeTransaction(store, (trx) =>
    recordEvents(store, trx, [
      { entity: 'batch', entityId: batch.id, batchId: batch.id, action: 'exported', actor: request.actor, detail: { fileName: exported.fileName, rows }, at: now },
    ]),
  );
  return exported;
}
