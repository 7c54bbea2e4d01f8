import fs from 'node:fs/promises';
import type { Knex } from 'knex';
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
import { columnsOfOpenRows, openFailedRows, rowsOfPayload, toErrorFileRow } from './open-failed-rows';
import { assertNoActiveReplay, assertReplayable } from './replayable-batch';
import { replayFileName } from '../lineage';
import type { ErrorPayloadState } from '../store/error-payloads/error-payload-transitions';
import { holdForReplay } from '../store/error-payloads/replay-holds';

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
 * The written error payloads move NEW → RESUBMITTED, held by the replay (no lease, so no dispatcher claims
 * them): the replay's outcome is the row's one open item, and settles them (settleSameRowElsewhere).
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
      await holdWrittenPayloads(store, trx, written.payloads, batch, request.actor, now);
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

/**
 * The parent's error payloads of the rows just written into the replay file: NEW → RESUBMITTED, held by
 * the replay. One that changed since the file was written (marked READY, discarded, resolved) would be
 * sent twice or against an admin's decision, so the replay is refused and its file removed.
 */
async function holdWrittenPayloads(
  store: Store,
  trx: Knex.Transaction,
  payloads: readonly ErrorPayloadState[],
  replay: BatchRow,
  actor: string,
  now: number,
): Promise<void> {
  const ids = payloads.map((payload) => payload.id);
  const current = new Map<number, ErrorPayloadState>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = (await forUpdate(
      store,
      trx(store.tables.errorPayload).select('id', 'batch_id', 'status').whereIn('id', ids.slice(start, start + 500)),
    )) as ErrorPayloadState[];
    for (const row of rows) current.set(Number(row.id), { id: Number(row.id), batch_id: Number(row.batch_id), status: row.status });
  }
  const changed = payloads.filter((payload) => current.get(payload.id)?.status !== 'NEW');
  if (changed.length > 0) {
    throw new InvalidRequestError(
      `batch ${replay.parent_batch_id}: ${changed.length} failed rows changed while the replay file was written (error payload ${changed[0].id} is no longer NEW); replay again`,
      { batchId: replay.parent_batch_id ?? undefined },
    );
  }
  const held = payloads.map((payload) => current.get(payload.id)!);
  await holdForReplay(store, trx, held, replay, { actor, now });
}

/** Writes the file under a hidden name, then moves it to its final name without ever replacing a file. */
async function writeReplayFile(store: Store, parent: BatchRow, request: ReplayRequest): Promise<{ path: string; rows: number; payloads: ErrorPayloadState[] }> {
  const fileName = replayFileName(parent.file_name, parent.id);
  await fs.mkdir(request.processingFolder, { recursive: true });
  const temporary = path.join(request.processingFolder, tempNameFor(fileName));
  const writer = await replayFileWriter(store, parent, temporary, request.csv);
  const payloads: ErrorPayloadState[] = [];
  try {
    for await (const errorPayload of openFailedRows(store, parent.id)) {
      await writer.write(errorPayload);
      payloads.push({ id: errorPayload.id, batch_id: errorPayload.batch_id, status: errorPayload.status });
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  const { rows } = await writer.close();
  if (rows === 0) {
    await fs.rm(temporary, { force: true });
    throw new InvalidRequestError(`batch ${parent.id} has no NEW failed rows to replay`, { batchId: parent.id });
  }
  return { path: await moveFile(temporary, request.processingFolder, fileName), rows, payloads };
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
    return { write: async (errorPayload) => { for (const row of rowsOfPayload(errorPayload)) await writer.write(toJsonlErrorFileRow(row)); }, close: () => writer.close(), abort: () => writer.abort() };
  }
  const writer = createErrorFileWriter(filePath, await columnsOfOpenRows(store, parent.id), { delimiter: csv?.delimiter, quote: csv?.quote });
  return { write: async (errorPayload) => { for (const row of rowsOfPayload(errorPayload)) await writer.write(toErrorFileRow(row)); }, close: () => writer.close(), abort: () => writer.abort() };
}
