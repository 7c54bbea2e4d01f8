import type { Knex } from 'knex';
import { boundNullableText, boundText } from '../bounded-text';
import type { Store } from '../open-store';
import { recordEvents, type EventInput } from '../record-event';
import type { ErrorKind, ErrorPayloadStatus } from '../tables';
import { diagnosticText } from '../storable-text';
import { forUpdate, writeTransaction } from '../transaction';
import { LeaseLostError } from '../batches/change-batch-status';
import { closeSettledBatches } from '../error-payloads/close-settled-batches';
import { settleSameRowElsewhere } from '../error-payloads/settle-same-row';
import { writeKeyMappings, type KeyMapping } from '../key-map/write-key-mappings';
import { assertErrorPayloadTransition, canErrorPayloadBecome, moveErrorPayloads, type ErrorPayloadState } from '../error-payloads/error-payload-transitions';

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
  /** The rows a failed group's error payload holds (row_count); 1 when absent. */
  rowCount?: number;
}

export interface CheckpointWindow {
  batchId: number;
  groupType: string;
  groupId: string | null;
  owner: string;
  /**
   * The batch's `attempts` when this run claimed it. A run whose lease ran out (the database away longer than
   * the lease) may find its batch claimed again by its own runtime, under the same owner: the attempts tell
   * the two runs apart, and the old one's windows are refused (LeaseLostError) instead of counted twice.
   */
  claimAttempt?: number;
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
  /** Rows not sent because their content was delivered before (key matching): added to skipped_rows. */
  skipped?: number;
  /** Key matching: the versions this window delivered, upserted into bsync_key_map with the counters. */
  mappings?: readonly KeyMapping[];
  leaseUntil: number;
  /**
   * A partition's window: the batch it is a partition of. Its counters are added to the parent too, and its
   * failed rows, resolved rows, key mappings and lineage are the parent's (row numbers are the parent file's).
   */
  partitionOf?: number | null;
  /** More events to record with the window (all or nothing: the rows it applied, a failure that undoes them). */
  events?: readonly EventInput[];
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
    const guarded = trx(store.tables.batch)
      .where({ id: window.batchId, lease_owner: window.owner })
      .whereIn('status', ['SUBMITTED', 'PROCESSING']);
    if (window.claimAttempt !== undefined) guarded.where('attempts', window.claimAttempt);
    const updated = await guarded.update({ checkpoint_row: window.checkpointRow, ...addedCounters(trx, window), lease_until: window.leaseUntil, updated_at: now });
    if (Number(updated) === 0) {
      const current = await trx(store.tables.batch).where('id', window.batchId).first('lease_owner');
      const holder = current?.lease_owner === window.owner ? `${window.owner}, a later claim` : (current?.lease_owner ?? null);
      throw new LeaseLostError(window.batchId, window.owner, holder);
    }
    if (window.partitionOf) {
      await trx(store.tables.batch).where('id', window.partitionOf).update({ ...addedCounters(trx, window), updated_at: now });
      // From here on the rows are the parent's: their error payloads, key mappings and lineage.
      window = { ...window, batchId: window.partitionOf };
    }
    if (window.mappings?.length) await writeKeyMappings(store, trx, window.groupType, window.mappings, now);
    const events: EventInput[] = [...(window.events ?? [])];
    // A reason quotes the row or the downstream's answer: bounded, so one huge cell cannot bloat the table.
    window = { ...window, failures: window.failures.map((failure) => ({ ...failure, error: diagnosticText(store, boundText(failure.error)), errorDetail: diagnosticText(store, boundNullableText(failure.errorDetail)) })) };
    if (window.failures.length > 0) events.push(...(await storeFailures(store, trx, window, now)));
    const resolvedKeys = window.resolvedRows.length > 0 ? await resolveOnRetry(store, trx, window, now, events) : [];
    await recordEvents(store, trx, events);
    await settleLineage(store, trx, window, resolvedKeys, now);
    // Its first statement is the guarded UPDATE of the batch row, which takes SQLite's write lock.
  }, { firstStatementWrites: true });
}

/** The window's counts added to a batch row's counters: the partition's own, and its batch's. */
function addedCounters(trx: Knex.Transaction, window: CheckpointWindow): Record<string, Knex.Raw> {
  return {
    processed_rows: trx.raw('?? + ?', ['processed_rows', window.processed]),
    succeeded_rows: trx.raw('?? + ?', ['succeeded_rows', window.succeeded]),
    failed_rows: trx.raw('?? + ?', ['failed_rows', window.failed]),
    ...(window.skipped ? { skipped_rows: trx.raw('?? + ?', ['skipped_rows', window.skipped]) } : {}),
  };
}

/** Error payloads nobody works on, which a row failing again in a retry of its batch updates. */
const FAILING_AGAIN: readonly ErrorPayloadStatus[] = ['NEW', 'READY'];

/** An error payload of this batch as a window finds it, locked: by its row number. */
type ExistingPayload = ErrorPayloadState & { row_number: number; idempotency_key: string; lease_owner: string | null };

async function existingPayloads(store: Store, trx: Knex.Transaction, batchId: number, rowNumbers: readonly number[]): Promise<Map<number, ExistingPayload>> {
  const found = new Map<number, ExistingPayload>();
  for (let start = 0; start < rowNumbers.length; start += 500) {
    const rows = (await forUpdate(
      store,
      trx(store.tables.errorPayload)
        .select('id', 'batch_id', 'row_number', 'status', 'idempotency_key', 'lease_owner')
        .where('batch_id', batchId)
        .whereIn('row_number', rowNumbers.slice(start, start + 500)),
    )) as ExistingPayload[];
    for (const row of rows) {
      found.set(Number(row.row_number), { ...row, id: Number(row.id), batch_id: Number(row.batch_id), row_number: Number(row.row_number) });
    }
  }
  return found;
}

/**
 * Stores the window's failed rows. A row that failed before in this batch (a retry of it) keeps its one
 * error payload: a NEW or READY one is updated with the new error and is NEW again, as the state table
 * allows. A RESUBMITTED one is left to its resend, which settles it; a RESOLVED or DISCARDED one is
 * settled for good and stays so (a discard is an admin's decision, never reopened by a later run): the
 * new failure is kept in the audit trail as a `row-failed-again` event on it, with the error.
 */
async function storeFailures(store: Store, trx: Knex.Transaction, window: CheckpointWindow, now: number): Promise<EventInput[]> {
  const existing = await existingPayloads(
    store,
    trx,
    window.batchId,
    window.failures.map((failure) => failure.rowNumber),
  );
  const written = window.failures.filter((failure) => {
    const before = existing.get(failure.rowNumber);
    return !before || FAILING_AGAIN.includes(before.status);
  });
  for (const failure of written) {
    const before = existing.get(failure.rowNumber);
    // NEW stays NEW (a new error is no change of status); READY goes back to NEW, as the table says.
    if (before && before.status !== 'NEW') assertErrorPayloadTransition(before.id, before.batch_id, before.status, 'NEW');
  }
  const rows = written.map((failure) => ({
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
    error: failure.error,
    error_detail: failure.errorDetail ?? null,
    attempts: 1,
    row_count: failure.rowCount ?? 1,
    created_at: now,
    status_time: now,
  }));
  const incoming = (column: string) => trx.raw(store.dialect === 'mysql' ? 'VALUES(??)' : 'excluded.??', [column]);
  for (let start = 0; start < rows.length; start += 200) {
    // The rows that exist were selected above, locked, and checked against the state table.
    await trx(store.tables.errorPayload)
      .insert(rows.slice(start, start + 200))
      .onConflict(['batch_id', 'row_number'])
      .merge({
        payload: incoming('payload'),
        error_kind: incoming('error_kind'),
        http_status: incoming('http_status'),
        error: incoming('error'),
        error_detail: incoming('error_detail'),
        row_count: incoming('row_count'),
        status: 'NEW',
        attempts: trx.raw('?? + 1', [`${store.tables.errorPayload}.attempts`]),
        status_time: now,
        resolved_at: null,
      });
  }
  const fresh = written.filter((failure) => !existing.has(failure.rowNumber)).map((failure) => failure.rowNumber);
  const ids = new Map([...existing].map(([rowNumber, row]) => [rowNumber, row.id]));
  if (fresh.length > 0) for (const [rowNumber, row] of await existingPayloads(store, trx, window.batchId, fresh)) ids.set(rowNumber, row.id);

  const writtenRows = new Set(written.map((failure) => failure.rowNumber));
  return window.failures.map((failure): EventInput => {
    const before = existing.get(failure.rowNumber);
    const detail = { rowNumber: failure.rowNumber, errorKind: failure.errorKind, httpStatus: failure.httpStatus ?? null, error: failure.error };
    if (writtenRows.has(failure.rowNumber)) {
      return {
        entity: 'error_payload',
        entityId: ids.get(failure.rowNumber)!,
        batchId: window.batchId,
        action: 'row-failed',
        fromStatus: before?.status ?? null,
        toStatus: 'NEW',
        actor: window.owner,
        detail,
        at: now,
      };
    }
    return {
      entity: 'error_payload',
      entityId: before!.id,
      batchId: window.batchId,
      action: 'row-failed-again',
      fromStatus: before!.status,
      toStatus: before!.status,
      actor: window.owner,
      detail: { ...detail, kept: `the error payload stays ${before!.status}` },
      at: now,
    };
  });
}

/**
 * Rows that had an error payload from an earlier run of this batch and succeeded now: a NEW or READY one
 * becomes RESOLVED, and so does one held by a replay (RESUBMITTED without a lease); one claimed for a resend
 * (RESUBMITTED with a lease) is left to that resend. Returns the keys of all of them, which settle the same
 * rows elsewhere in the lineage.
 */
async function resolveOnRetry(store: Store, trx: Knex.Transaction, window: CheckpointWindow, now: number, events: EventInput[]): Promise<string[]> {
  const rows = [...(await existingPayloads(store, trx, window.batchId, window.resolvedRows)).values()];
  const heldByReplay = (row: ExistingPayload) => row.status === 'RESUBMITTED' && row.lease_owner === null;
  const resolving = rows.filter((row) => (row.status === 'NEW' || row.status === 'READY' || heldByReplay(row)) && canErrorPayloadBecome(row.status, 'RESOLVED'));
  await moveErrorPayloads(store, trx, resolving, 'RESOLVED', { status_time: now, resolved_at: now });
  for (const row of resolving) {
    events.push({
      entity: 'error_payload',
      entityId: row.id,
      batchId: window.batchId,
      action: 'resolved-on-retry',
      fromStatus: row.status,
      toStatus: 'RESOLVED',
      actor: window.owner,
      detail: { rowNumber: row.row_number, before: { status: row.status }, after: { status: 'RESOLVED' } },
      at: now,
    });
  }
  if (resolving.length > 0) {
    events.push({
      entity: 'batch',
      entityId: window.batchId,
      batchId: window.batchId,
      action: 'rows-resolved-on-retry',
      actor: window.owner,
      detail: { rows: resolving.map((row) => row.row_number) },
      at: now,
    });
  }
  return rows.map((row) => row.idempotency_key);
}

/**
 * A row delivered now is delivered for every batch of its lineage: the rows a replay batch delivered, and
 * the rows of this batch that failed in an earlier run and succeeded now, settle the same rows' open error
 * payloads elsewhere (same idempotency key); a FAILED batch left with no open row becomes PROCESSED.
 */
async function settleLineage(store: Store, trx: Knex.Transaction, window: CheckpointWindow, resolvedKeys: readonly string[], now: number): Promise<void> {
  const keys = [...(window.succeededKeys ?? []), ...resolvedKeys];
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
