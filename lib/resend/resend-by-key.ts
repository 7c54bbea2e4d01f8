import fs from 'node:fs/promises';
import path from 'node:path';
import { createErrorFileWriter, type CsvOptions } from '../csv';
import { createJsonlErrorFileWriter } from '../jsonl';
import { describeError, InvalidRequestError } from '../errors';
import { hashFile } from '../files/hash-file';
import { moveFile } from '../files/move-file';
import { tempNameFor } from '../files/free-names';
import { replayFileName } from '../lineage';
import { normalizeBatch } from '../store/batches/normalize-batch';
import {
  correctedDeliveries,
  findBatch,
  forUpdate,
  latestKeyVersions,
  recordEvents,
  registerBatch,
  storeInTransaction,
  writeTransaction,
  type BatchRow,
  type BatchStatus,
  type EventAction,
  type KeyMapRow,
  type Store,
} from '../store';
import { readKeyRows, type KeyRow } from './read-key-rows';
import { requestedKeys, rowHasKey, type RequestedKey } from './source-keys';

const RESENT_BY_KEY = 'resent-by-key' satisfies EventAction;
/** A batch in one of these has settled its rows and left its file alone: its delivered rows can be read. */
const SETTLED_STATUSES: readonly BatchStatus[] = ['PROCESSED', 'FAILED', 'CANCELLED'];
/** Written into the replay file's bsync_error column, which the row-processor reads past. */
const RESEND_NOTE = "resent at the remote system's request";

export interface ResendByKeyRequest {
  groupType: string;
  /** Objects of key column values (`{"customerNo":"C-007"}`), or plain values with keyColumn: see requestedKeys. */
  sourceKeys: unknown;
  keyColumn?: string;
  /** Where the replay files are put for the row-processor to read: the processing folder. */
  processingFolder: string;
  actor: string;
  reason?: string;
  /** How the source batches' CSV files are read (and the replay files written): the row-processor's format. */
  csv?: Pick<CsvOptions, 'delimiter' | 'quote' | 'encoding'>;
  now?: number;
}

export interface RefusedKey {
  /** The key as it was asked for. */
  sourceKey: Record<string, unknown>;
  reason: string;
}

export interface ResentBatch {
  /** The new batch: RETRY, due now, parent_batch_id = the batch the versions came from. */
  batch: BatchRow;
  parent: BatchRow;
  rows: number;
  sourceKeys: Record<string, unknown>[];
}

export interface ResendByKey {
  /** One replay batch per source batch the latest versions came from; empty when every key was refused. */
  resent: ResentBatch[];
  /** Each key nothing was parked for, with the reason in plain words. */
  refused: RefusedKey[];
}

/** The rows of one source batch to resend, in file order. */
interface SourceBatchRows {
  parent: BatchRow;
  rows: { key: RequestedKey; row: KeyRow }[];
  columns: string[];
}

/**
 * A remote system that lost records asks for them again by source key: the latest delivered version of
 * each (bsync_key_map: the batch and row it came from) is read from that batch's file and parked as a replay
 * batch, one per source batch, so every row keeps its Idempotency-Key `bsync-<origin batch>-<origin row>`.
 * A key that is not in the map, or whose row cannot be read back as it was delivered (file gone, changed,
 * batch still running), is refused with the reason; the other keys are still parked. The key map's
 * `row_number` is the row's number in the file of its `batch_id` (as the row-processor numbers them); the
 * row read there must hold the asked key, else the key is refused; so is a row last delivered as a corrected
 * error payload (the file holds the row as it was before the correction).
 */
export async function resendByKey(store: Store, request: ResendByKeyRequest): Promise<ResendByKey> {
  if (typeof request.groupType !== 'string' || request.groupType.trim() === '') {
    throw new InvalidRequestError('resend needs the group type whose key map holds the keys (groupType)');
  }
  const keys = requestedKeys(request.sourceKeys, request.keyColumn);
  const now = request.now ?? Date.now();
  const refused: RefusedKey[] = [];
  const versions = await versionsOf(store, request.groupType, keys, refused);

  const bySourceBatch = new Map<number, { key: RequestedKey; version: KeyMapRow }[]>();
  for (const found of versions) bySourceBatch.set(found.version.batch_id, [...(bySourceBatch.get(found.version.batch_id) ?? []), found]);

  const readable: SourceBatchRows[] = [];
  for (const [batchId, wanted] of [...bySourceBatch].sort(([a], [b]) => a - b)) {
    const rows = await readSourceBatch(store, batchId, wanted, request, refused);
    if (rows) readable.push(rows);
  }
  if (readable.length === 0) return { resent: [], refused };

  const written: { source: SourceBatchRows; path: string; sha256: string; size: number }[] = [];
  try {
    for (const source of readable) {
      const filePath = await writeResendFile(source, request);
      written.push({ source, path: filePath, ...(await hashFile(filePath)) });
    }
    const resent = await writeTransaction(store, async (trx) => {
      const parked: ResentBatch[] = [];
      for (const file of written) {
        const parent = normalizeBatch(await forUpdate(store, trx(store.tables.batch).where('id', file.source.parent.id)).first());
        const batch = await registerBatch(storeInTransaction(store, trx), {
          groupType: parent.group_type,
          groupId: parent.group_id,
          kind: 'file',
          fileName: path.basename(file.path),
          folder: path.dirname(file.path),
          sha256: file.sha256,
          size: file.size,
          priority: parent.priority,
          parentBatchId: parent.id,
          format: parent.format,
          status: 'RETRY',
          parkedUntil: now,
          actor: request.actor,
          now,
        });
        const sourceKeys = file.source.rows.map(({ key }) => key.values);
        await recordEvents(store, trx, [
          {
            entity: 'batch',
            entityId: parent.id,
            batchId: parent.id,
            action: RESENT_BY_KEY,
            fromStatus: parent.status,
            toStatus: parent.status,
            actor: request.actor,
            detail: {
              ...(request.reason ? { reason: request.reason } : {}),
              replayBatchId: batch.id,
              fileName: batch.file_name,
              rows: file.source.rows.map(({ row }) => row.rowNumber),
              sourceKeys,
            },
            at: now,
          },
        ]);
        parked.push({ batch, parent, rows: file.source.rows.length, sourceKeys });
      }
      return parked;
    });
    return { resent, refused };
  } catch (error) {
    await Promise.all(written.map((file) => fs.rm(file.path, { force: true })));
    throw error;
  }
}

/** The key map row of each asked key; an unknown key is refused. A key asked twice is resent once. */
async function versionsOf(store: Store, groupType: string, keys: RequestedKey[], refused: RefusedKey[]): Promise<{ key: RequestedKey; version: KeyMapRow }[]> {
  const rows = await latestKeyVersions(store, groupType, keys.flatMap((key) => key.spellings));
  const bySpelling = new Map(rows.map((row) => [row.source_key, row]));
  const seen = new Set<number>();
  const found: { key: RequestedKey; version: KeyMapRow }[] = [];
  for (const key of keys) {
    const version = key.spellings.map((spelling) => bySpelling.get(spelling)).find((row) => row !== undefined);
    if (!version) refused.push({ sourceKey: key.values, reason: `not in the key map of group type "${groupType}": no version of it was delivered` });
    else if (!seen.has(version.id)) {
      seen.add(version.id);
      found.push({ key, version });
    }
  }
  return found;
}

/** The wanted rows of one source batch, read back from its file; every key that cannot be is refused. */
async function readSourceBatch(
  store: Store,
  batchId: number,
  wanted: { key: RequestedKey; version: KeyMapRow }[],
  request: ResendByKeyRequest,
  refused: RefusedKey[],
): Promise<SourceBatchRows | undefined> {
  const refuseAll = (reason: string): undefined => {
    for (const { key } of wanted) refused.push({ sourceKey: key.values, reason });
    return undefined;
  };
  const parent = await findBatch(store, batchId);
  const at = (version: KeyMapRow) => `its latest version is row ${version.row_number} of batch ${batchId}`;
  if (!parent) return refuseAll(`its latest version came from batch ${batchId}, which is no longer in the store`);
  if (parent.kind !== 'file') return refuseAll(`its latest version came from batch ${batchId}, a single payload: retry that batch instead`);
  if (!SETTLED_STATUSES.includes(parent.status)) return refuseAll(`its latest version came from batch ${batchId}, which is ${parent.status}: resend it once that batch has ended`);
  const filePath = await verifiedFile(parent);
  if (typeof filePath !== 'string') return refuseAll(`its latest version came from batch ${batchId}, but ${filePath.reason}`);

  let read;
  try {
    read = await readKeyRows(filePath, { format: parent.format, replay: parent.parent_batch_id !== null, csv: request.csv }, new Set(wanted.map(({ version }) => version.row_number)));
  } catch (error) {
    return refuseAll(`its latest version came from batch ${batchId}, whose file ${filePath} could not be read: ${describeError(error)}`);
  }
  // A row delivered as a corrected error payload went out as the correction: its line in the file is the
  // version before it, and sending that would undo the correction without a word.
  const corrected = await correctedDeliveries(store, batchId, wanted.map(({ version }) => version.row_number));
  const rows: SourceBatchRows['rows'] = [];
  for (const { key, version } of wanted) {
    const row = read.rows.get(version.row_number);
    const problem = read.unreadable.get(version.row_number);
    const correction = corrected.get(version.row_number);
    if (correction !== undefined) {
      refused.push({ sourceKey: key.values, reason: `${at(version)}, delivered as corrected in error payload ${correction}: the file holds the row before the correction, so it is not resent from there` });
    } else if (problem) refused.push({ sourceKey: key.values, reason: `${at(version)}, which cannot be read back: ${problem}` });
    else if (!row) refused.push({ sourceKey: key.values, reason: `${at(version)}, but the file ${parent.file_name} has no such row` });
    else if (!rowHasKey(row.record, key.values)) refused.push({ sourceKey: key.values, reason: `${at(version)}, but that row holds another key: the key map does not match the file` });
    else rows.push({ key, row });
  }
  if (rows.length === 0) return undefined;
  rows.sort((a, b) => a.row.rowNumber - b.row.rowNumber);
  return { parent, rows, columns: read.columns };
}

/**
 * The batch's file where its row says it is (the archive or failed folder after it ended), read only when
 * its content is still the one that was parked (same sha256): a file put there since is never sent.
 */
async function verifiedFile(batch: BatchRow): Promise<string | { reason: string }> {
  if (!batch.file_name || !batch.folder) return { reason: 'the batch names no file' };
  const filePath = path.join(batch.folder, batch.file_name);
  const stat = await fs.stat(filePath).catch(() => undefined);
  if (!stat?.isFile()) return { reason: `its file ${filePath} is gone` };
  if (!batch.sha256) return { reason: `the batch has no sha256 to check its file ${filePath} against` };
  const { sha256 } = await hashFile(filePath);
  if (sha256 !== batch.sha256) return { reason: `its file ${filePath} has changed since the batch was parked (sha256 differs)` };
  return filePath;
}

/** The replay file of one source batch: its format, the origin rows, under a name that never replaces a file. */
async function writeResendFile(source: SourceBatchRows, request: ResendByKeyRequest): Promise<string> {
  const fileName = replayFileName(source.parent.file_name, source.parent.id);
  await fs.mkdir(request.processingFolder, { recursive: true });
  const temporary = path.join(request.processingFolder, tempNameFor(fileName));
  if (source.parent.format === 'jsonl') {
    const writer = createJsonlErrorFileWriter(temporary);
    try {
      for (const { row } of source.rows) await writer.write({ rowNumber: row.originRow, record: row.record, error: RESEND_NOTE });
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  } else {
    const writer = createErrorFileWriter(temporary, source.columns, { delimiter: request.csv?.delimiter, quote: request.csv?.quote });
    try {
      for (const { row } of source.rows) await writer.write({ rowNumber: row.originRow, record: row.record as Record<string, string>, error: RESEND_NOTE });
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }
  return moveFile(temporary, request.processingFolder, fileName);
}
