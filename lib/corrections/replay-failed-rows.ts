import fs from 'node:fs/promises';
import path from 'node:path';
import { createErrorFileWriter } from '../csv';
import { createJsonlErrorFileWriter } from '../jsonl';
import { toJsonlErrorFileRow } from '../processing/error-file-of-batch';
import { InvalidRequestError } from '../errors';
import { hashFile } from '../files/hash-file';
import { moveFile } from '../files/move-file';
import { tempNameFor } from '../files/free-names';
import type { ErrorPayloadRow } from '../store';
import { normalizeBatch } from '../store/batches/normalize-batch';
import { forUpdate, getBatch, recordEvents, registerBatch, storeInTransaction, writeTransaction, type BatchRow, type Store } from '../store';
import type { CsvFormat } from './export-failed-rows';
import { columnsOfOpenRows, openFailedRows, toErrorFileRow } from './open-failed-rows';
import { assertNoActiveReplay, assertReplayable } from './replayable-batch';
import { replayFileName } from '../lineage';

export interface ReplayRequest {
  batchId: number;
  /** Where the replay file is put for the row-processor to read: the processing folder. */
  processingFolder: string;
  actor: string;
  reason?: string;
  csv?: CsvFormat;
  now?: number;
}

export interface Replay {
  /** The new batch: RETRY, due now, parent_batch_id = the replayed batch. */
  batch: BatchRow;
  /** The replayed batch, unchanged but for its audit trail. */
  parent: BatchRow;
  rows: number;
}

/**
 * Parks a FAILED batch's NEW failed rows as a new batch: a file in the error file's format (original
 * columns, bsync_row_number, bsync_error), written into the processing folder under a name of its own, so
 * the batch's error file stays as it was. The row-processor reads the origin row numbers from it, so every
 * row keeps its idempotency key, and a row delivered by the replay is resolved in the parent batch too.
 */
export async function replayFailedRows(store: Store, request: ReplayRequest): Promise<Replay> {
  const now = request.now ?? Date.now();
  const parent = await getBatch(store, request.batchId);
  assertReplayable(parent);
  await assertNoActiveReplay(store, store.knex, parent.id);

  const written = await writeReplayFile(store, parent, request);
  try {
    const { sha256, size } = await hashFile(written.path);
    return await writeTransaction(store, async (trx) => {
      const locked = normalizeBatch(await forUpdate(store, trx(store.tables.batch).where('id', parent.id)).first());
      assertReplayable(locked);
      await assertNoActiveReplay(store, trx, parent.id);
      const batch = await registerBatch(storeInTransaction(store, trx), {
        groupType: locked.group_type,
        groupId: locked.group_id,
        kind: 'file',
        fileName: path.basename(written.path),
        folder: path.dirname(written.path),
        sha256,
        size,
        priority: locked.priority,
        parentBatchId: locked.id,
        status: 'RETRY',
        parkedUntil: now,
        actor: request.actor,
        now,
      });
      await recordEvents(store, trx, [
        {
          entity: 'batch',
          entityId: locked.id,
          batchId: locked.id,
          action: 'replayed',
          fromStatus: locked.status,
          toStatus: locked.status,
          actor: request.actor,
          detail: {
            ...(request.reason ? { reason: request.reason } : {}),
            before: { replayBatchId: null },
            after: { replayBatchId: batch.id, fileName: batch.file_name, rows: written.rows },
          },
          at: now,
        },
      ]);
      return { batch, parent: locked, rows: written.rows };
    });
  } catch (error) {
    await fs.rm(written.path, { force: true });
    throw error;
  }
}

/** Writes the file under a hidden name, then moves it to its final name without ever replacing a file. */
async function writeReplayFile(store: Store, parent: BatchRow, request: ReplayRequest): Promise<{ path: string; rows: number }> {
  const fileName = replayFileName(parent.file_name, parent.id);
  await fs.mkdir(request.processingFolder, { recursive: true });
  const temporary = path.join(request.processingFolder, tempNameFor(fileName));
  const writer = await replayFileWriter(store, parent, temporary, request.csv);
  try {
    for await (const errorPayload of openFailedRows(store, parent.id)) await writer.write(errorPayload);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const { rows } = await writer.close();
  if (rows === 0) {
    await fs.rm(temporary, { force: true });
    throw new InvalidRequestError(`batch ${parent.id} has no NEW failed rows to replay`, { batchId: parent.id });
  }
  return { path: await moveFile(temporary, request.processingFolder, fileName), rows };
}

interface ReplayFileWriter {
  write(errorPayload: ErrorPayloadRow): Promise<void>;
  close(): Promise<{ path: string; rows: number }>;
  abort(): Promise<void>;
}

/** A JSON Lines batch is replayed as JSON Lines (its name keeps .jsonl), so its rows keep their types. */
async function replayFileWriter(store: Store, parent: BatchRow, filePath: string, csv: CsvFormat | undefined): Promise<ReplayFileWriter> {
  if (parent.format === 'jsonl') {
    const writer = createJsonlErrorFileWriter(filePath);
    return { write: (errorPayload) => writer.write(toJsonlErrorFileRow(errorPayload)), close: () => writer.close(), abort: () => writer.abort() };
  }
  const writer = createErrorFileWriter(filePath, await columnsOfOpenRows(store, parent.id), { delimiter: csv?.delimiter, quote: csv?.quote });
  return { write: (errorPayload) => writer.write(toErrorFileRow(errorPayload)), close: () => writer.close(), abort: () => writer.abort() };
}
