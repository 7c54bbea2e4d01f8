import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents, type EventInput } from '../record-event';
import type { ErrorKind } from '../tables';
import { diagnosticText } from '../storable-text';
import { writeTransaction } from '../transaction';
import { LeaseLostError } from '../batches/change-batch-status';
import { closeSettledBatches } from '../error-payloads/close-settled-batches';
import { settleSameRowElsewhere } from '../error-payloads/settle-same-row';

export interface FailedRow {
  rowNumber: number;
  /** The JSON that was, or would have been, sent. */
  payload: string | null;
  /** The row as read from the file (JSON of its columns). */
  originalPayload: string | null;
  idempotencyKey: string;
  errorKind: ErrorKind;
  httpStatus?: number | null;
  error: string;
  errorDetail?: string | null;
}

export interface CheckpointWindow {
  batchId: number;
  groupType: string;
  groupId: string | null;
  owner: string;
  /** Every row up to this one is settled once the window is written. */
  checkpointRow: number;
  /** Counts for the rows of this window only; they are added to the batch. */
  processed: number;
  succeeded: number;
  failed: number;
  failures: FailedRow[];
  /** Rows that had an error payload from an earlier run of this batch and succeeded now. */
  resolvedRows: number[];
  /**
   * For a replay batch (parent_batch_id set): the idempotency keys of this window's rows that succeeded.
   * The same rows' open error payloads elsewhere in the lineage become RESOLVED with them.
   */
  succeededKeys?: readonly string[];
  leaseUntil: number;
  now?: number;
}

/**
 * Settles a window of rows in one transaction: counters, checkpoint and lease renewal in one statement,
 * the window's error payloads in one more, so a crash can never leave counters and error payloads apart.
 * Throws LeaseLostError, writing nothing, when this runtime no longer holds the batch.
 */
export async function writeCheckpointWindow(store: Store, window: CheckpointWindow): Promise<void> {
  const now = window.now ?? Date.now();
  await writeTransaction(store, async (trx) => {
    const updated = await trx(store.tables.batch)
      .where({ id: window.batchId, lease_owner: window.owner })
      .whereIn('status', ['SUBMITTED', 'PROCESSING'])
      .update({
        checkpoint_row: window.checkpointRow,
        processed_rows: trx.raw('?? + ?', ['processed_rows', window.processed]),
        succeeded_rows: trx.raw('?? + ?', ['succeeded_rows', window.succeeded]),
        failed_rows: trx.raw('?? + ?', ['failed_rows', window.failed]),
        lease_until: window.leaseUntil,
        updated_at: now,
      });
    if (Number(updated) === 0) {
      const current = await trx(store.tables.batch).where('id', window.batchId).first('lease_owner');
      throw new LeaseLostError(window.batchId, window.owner, current?.lease_owner ?? null);
    }
    const events: EventInput[] = [];
    if (window.failures.length > 0) {
      const rows = window.failures.map((failure) => ({
        batch_id: window.batchId,
        row_number: failure.rowNumber,
        group_type: window.groupType,
        group_id: window.groupId,
        payload: failure.payload,
        original_payload: failure.originalPayload,
        idempotency_key: failure.idempotencyKey,
        status: 'NEW',
        error_kind: failure.errorKind,
        http_status: failure.httpStatus ?? null,
        error: diagnosticText(store, failure.error),
        error_detail: diagnosticText(store, failure.errorDetail ?? null),
        attempts: 1,
        created_at: now,
        status_time: now,
      }));
      for (let start = 0; start < rows.length; start += 200) {
        // A row that failed in an earlier run of this batch (a retry) keeps its one error payload, updated.
        await trx(store.tables.errorPayload)
          .insert(rows.slice(start, start + 200))
          .onConflict(['batch_id', 'row_number'])
          .merge({
            payload: trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', ['payload']),
            error_kind: trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', ['error_kind']),
            http_status: trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', ['http_status']),
            error: trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', ['error']),
            error_detail: trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', ['error_detail']),
            status: 'NEW',
            attempts: trx.raw('?? + 1', [`${store.tables.errorPayload}.attempts`]),
            status_time: now,
            resolved_at: null,
          });
      }
      for (const failure of window.failures) {
        events.push({
          entity: 'error_payload',
          entityId: `${window.batchId}:${failure.rowNumber}`,
          batchId: window.batchId,
          action: 'row-failed',
          toStatus: 'NEW',
          actor: window.owner,
          detail: { rowNumber: failure.rowNumber, errorKind: failure.errorKind, httpStatus: failure.httpStatus ?? null, error: failure.error },
          at: now,
        });
      }
    }
    if (window.resolvedRows.length > 0) {
      await trx(store.tables.errorPayload)
        .where('batch_id', window.batchId)
        .whereIn('row_number', window.resolvedRows)
        .whereIn('status', ['NEW', 'READY'])
        .update({ status: 'RESOLVED', status_time: now, resolved_at: now });
      events.push({
        entity: 'batch',
        entityId: window.batchId,
        batchId: window.batchId,
        action: 'rows-resolved-on-retry',
        actor: window.owner,
        detail: { rows: window.resolvedRows },
        at: now,
      });
    }
    await recordEvents(store, trx, events);
    await settleLineage(store, trx, window, now);
  });
}

/**
 * A row delivered now is delivered for every batch of its lineage: the rows a replay batch delivered, and
 * the rows of this batch that failed in an earlier run and succeeded now, settle the same rows' open error
 * payloads elsewhere (same idempotency key); a FAILED batch left with no open row becomes PROCESSED.
 */
async function settleLineage(store: Store, trx: Knex.Transaction, window: CheckpointWindow, now: number): Promise<void> {
  const keys = [...(window.succeededKeys ?? [])];
  if (window.resolvedRows.length > 0) {
    const resolved = (await trx(store.tables.errorPayload)
      .where('batch_id', window.batchId)
      .whereIn('row_number', window.resolvedRows)
      .select('idempotency_key')) as { idempotency_key: string }[];
    keys.push(...resolved.map((row) => row.idempotency_key));
  }
  if (keys.length === 0) return;
  const touched = await settleSameRowElsewhere(store, trx, {
    keys,
    to: 'RESOLVED',
    actor: window.owner,
    cause: { batchId: window.batchId },
    now,
  });
  if (touched.length > 0) await closeSettledBatches(store, trx, touched, window.owner, now);
}
