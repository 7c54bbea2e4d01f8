import { formatOfFileName, type BatchFileFormat } from './batch-format';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { BatchKind, BatchRow } from '../tables';
import { assertStorableText } from '../storable-text';
import { writeTransaction } from '../transaction';
import { insertedId } from '../inserted-id';
import { normalizeBatch } from './normalize-batch';

export interface NewBatch {
  groupType: string;
  groupId?: string | null;
  kind: BatchKind;
  fileName?: string | null;
  folder?: string | null;
  sha256?: string | null;
  size?: number | null;
  payload?: string | null;
  contentType?: string | null;
  parkedUntil?: number;
  priority?: number;
  parentBatchId?: number | null;
  /** How the file is read; by default from its extension (`.jsonl`, `.ndjson`: JSON Lines). */
  format?: BatchFileFormat;
  /** RETRY for a replay batch; NEW otherwise. */
  status?: 'NEW' | 'RETRY';
  actor: string;
  now?: number;
}

/** Parks a batch request: one row in the batch table and its `registered` event, together. */
export async function registerBatch(store: Store, input: NewBatch): Promise<BatchRow> {
  const now = input.now ?? Date.now();
  const status = input.status ?? 'NEW';
  assertStorableText(store, 'the payload', input.payload);
  return writeTransaction(store, async (trx) => {
    const insert = trx(store.tables.batch).insert(
      {
        group_type: input.groupType,
        group_id: input.groupId ?? null,
        kind: input.kind,
        file_name: input.fileName ?? null,
        folder: input.folder ?? null,
        sha256: input.sha256 ?? null,
        size: input.size ?? null,
        payload: input.payload ?? null,
        content_type: input.contentType ?? null,
        format: input.format ?? (input.kind === 'file' && input.fileName ? formatOfFileName(input.fileName) : 'csv'),
        status,
        status_time: now,
        parked_until: input.parkedUntil ?? now,
        priority: input.priority ?? 0,
        parent_batch_id: input.parentBatchId ?? null,
        created_at: now,
        updated_at: now,
      });
    const id = await insertedId(store, insert);
    await recordEvents(store, trx, [
      {
        entity: 'batch',
        entityId: id,
        batchId: id,
        action: 'registered',
        toStatus: status,
        actor: input.actor,
        detail: { kind: input.kind, fileName: input.fileName ?? null, groupType: input.groupType, groupId: input.groupId ?? null },
        at: now,
      },
    ]);
    const row = await trx(store.tables.batch).where('id', id).first();
    return normalizeBatch(row);
  });
}
