import type { Store } from '../open-store';
import { recordEvents, type EventInput } from '../record-event';
import { storeInTransaction } from '../store-in-transaction';
import type { BatchRow } from '../tables';
import { writeTransaction } from '../transaction';
import { changeBatchStatus } from '../batches/change-batch-status';
import { normalizeBatch } from '../batches/normalize-batch';
import { partitionRanges } from './partition-ranges';

export interface PartitionRequest {
  /** The claimed parent, SUBMITTED under this runtime's lease. */
  batch: BatchRow;
  owner: string;
  totalRows: number;
  partitionRows: number;
  /** The row schema the rows are validated with, kept on the parent as processing a batch keeps it. */
  rowSchema?: string | null;
  /** Where each partition's first row starts in the file, by row number, when the reader knows (CSV in UTF-8). */
  rowStarts?: ReadonlyMap<number, { byte: number; linesBefore: number }>;
  now?: number;
}

export interface Partitioned {
  parent: BatchRow;
  partitions: BatchRow[];
}

/**
 * Splits a claimed file batch into partitions, in one transaction: the parent goes PROCESSING with no lease
 * (no runtime holds it while its partitions run, so no claim takes it back) and its total row count; each
 * partition is a NEW batch of the same group, file and priority over its row range, due at once, its
 * checkpoint just before its first row. Dispatchers then claim the partitions like any batch, on any runtime.
 * Throws LeaseLostError when this runtime no longer holds the parent.
 */
export async function partitionBatch(store: Store, request: PartitionRequest): Promise<Partitioned> {
  const now = request.now ?? Date.now();
  const ranges = partitionRanges(request.totalRows, request.partitionRows);
  return writeTransaction(store, async (trx) => {
    const parent = await changeBatchStatus(storeInTransaction(store, trx), {
      id: request.batch.id,
      to: 'PROCESSING',
      from: ['SUBMITTED'],
      action: 'partitioned',
      actor: request.owner,
      leaseOwner: request.owner,
      reason: `${request.totalRows} rows in ${ranges.length} partitions of up to ${request.partitionRows} rows`,
      patch: {
        total_rows: request.totalRows,
        partition_count: ranges.length,
        started_at: request.batch.started_at ?? now,
        row_schema: request.rowSchema ?? request.batch.row_schema,
        error: null,
        lease_owner: null,
        lease_until: null,
      },
      now,
    });
    const rows = ranges.map((range) => ({
      group_type: parent.group_type,
      group_id: parent.group_id,
      kind: 'file',
      file_name: parent.file_name,
      folder: parent.folder,
      sha256: parent.sha256,
      size: parent.size,
      format: parent.format,
      status: 'NEW',
      status_time: now,
      parked_until: now,
      priority: parent.priority,
      total_rows: range.lastRow - range.firstRow + 1,
      checkpoint_row: range.firstRow - 1,
      partition_of: parent.id,
      first_row: range.firstRow,
      last_row: range.lastRow,
      first_row_byte: request.rowStarts?.get(range.firstRow)?.byte ?? null,
      lines_before: request.rowStarts?.get(range.firstRow)?.linesBefore ?? null,
      row_schema: parent.row_schema,
      created_at: now,
      updated_at: now,
    }));
    for (let start = 0; start < rows.length; start += 200) await trx(store.tables.batch).insert(rows.slice(start, start + 200));
    const partitions = (await trx(store.tables.batch).where('partition_of', parent.id).orderBy('first_row')).map(normalizeBatch);
    const events: EventInput[] = partitions.map((partition) => ({
      entity: 'batch',
      entityId: partition.id,
      batchId: partition.id,
      action: 'partition-created',
      fromStatus: null,
      toStatus: 'NEW',
      actor: request.owner,
      detail: { partitionOf: parent.id, firstRow: partition.first_row, lastRow: partition.last_row },
      at: now,
    }));
    await recordEvents(store, trx, events);
    return { parent, partitions };
  });
}
