import type { ApiClient } from '../../delivery/api-client';
import { CircuitBreaker } from '../../delivery/circuit-breaker';
import { deliver } from '../../delivery/deliver';
import { IDEMPOTENCY_HEADER, idempotencyKey } from '../../lineage';
import { listBatchEvents, recordCompensated, storeCompensationFailure, type BatchRow, type EventAction, type Store, type UndoRequest } from '../../store';
import type { ProcessorSettings } from '../processor-settings';
import type { RunStop } from '../run-stop';
import { appliedRowsOf, type AppliedRow } from './applied-row';

export interface CompensationContext {
  store: Store;
  client: ApiClient;
  owner: string;
  settings: ProcessorSettings;
  stop: RunStop;
}

/** The failure that calls for undoing the batch's applied rows, as its `compensation-due` event recorded it. */
export interface CompensationDue {
  rowNumber: number;
  error: string;
}

export type CompensationEnd =
  | { done: true; compensated: number; notUndone: number; reason: string }
  /** Not finished: the downstream is down, or the runtime is stopping; the batch resumes the undo later. */
  | { done: false; why: 'downstream-down' | 'runtime-stopping' };

const PAGE = 200;

/** The id of the batch's last `retry` event: what was recorded before it belongs to an earlier, settled run. */
async function runStartId(store: Store, batchId: number): Promise<number> {
  const [retry] = await listBatchEvents(store, { batchId, action: 'retry', limit: 1 });
  return retry?.id ?? 0;
}

/** The failure recorded (in the checkpoint window that settled it) by this run of the batch, if any. */
export async function compensationDue(store: Store, batchId: number): Promise<CompensationDue | undefined> {
  const afterId = await runStartId(store, batchId);
  const [due] = await listBatchEvents(store, { batchId, action: 'compensation-due', afterId, oldestFirst: true, limit: 1 });
  if (!due) return undefined;
  const detail = JSON.parse(due.detail ?? '{}') as Partial<CompensationDue>;
  return { rowNumber: Number(detail.rowNumber), error: String(detail.error ?? 'the downstream refused a row') };
}

/** Rows of this run whose undo is settled already (done, or kept as failed): a resumed undo skips them. */
async function rowsOfEvents(store: Store, batchId: number, action: EventAction, afterId: number): Promise<Set<number>> {
  const rows = new Set<number>();
  for (let beforeId: number | undefined; ; ) {
    const page = await listBatchEvents(store, { batchId, action, afterId, beforeId, limit: PAGE });
    for (const event of page) rows.add(Number(JSON.parse(event.detail ?? '{}').rowNumber));
    if (page.length < PAGE) return rows;
    beforeId = page[page.length - 1].id;
  }
}

/**
 * Undoes every row this run of the batch applied, newest first (the reverse of the order they were
 * applied in), one request at a time, each with the Idempotency-Key `bsync-<origin>-<row>-undo`, the same
 * when a resumed run sends it again. An undo answered 2xx, or 404/410 (the record is gone already), is a
 * `compensated` event; one that fails (permanently, or transiently with its retries used up) is kept as a
 * `compensation` error payload. The downstream found down, or the runtime stopping, ends the undo early:
 * what is done is recorded, and the resumed batch carries on with the rest.
 */
export async function compensateAppliedRows(context: CompensationContext, batch: BatchRow, originBatchId: number, due: CompensationDue): Promise<CompensationEnd> {
  const { store, settings, stop } = context;
  const compensation = settings.allOrNothing?.compensation;
  if (!compensation) throw new Error('compensateAppliedRows needs a compensation request');
  const afterId = await runStartId(store, batch.id);
  const compensated = await rowsOfEvents(store, batch.id, 'compensated', afterId);
  const notUndone = await rowsOfEvents(store, batch.id, 'compensation-failed', afterId);
  const breaker = new CircuitBreaker({ failureThreshold: settings.breakerThreshold });

  const undo = async (row: AppliedRow): Promise<'done' | 'downstream-down' | 'runtime-stopping'> => {
    const request: UndoRequest = {
      rowNumber: row.rowNumber,
      targetKey: row.targetKey,
      method: compensation.method,
      path: row.undoPath,
      idempotencyKey: `${idempotencyKey(originBatchId, row.rowNumber)}-undo`,
    };
    const record = { batchId: batch.id, groupType: batch.group_type, groupId: batch.group_id, owner: context.owner, undo: request };
    if (request.path === null) {
      await storeCompensationFailure(store, { ...record, httpStatus: null, error: `row ${row.rowNumber} was applied but cannot be undone: ${row.problem}`, errorDetail: null });
      notUndone.add(row.rowNumber);
      return 'done';
    }
    const { outcome } = await deliver(
      context.client,
      { method: request.method, path: request.path, headers: { ...settings.request.headers, [IDEMPOTENCY_HEADER]: request.idempotencyKey }, signal: stop.cancel },
      { policy: settings.retry, signal: stop.sendingSignal, breaker },
    );
    const gone = outcome.kind === 'permanent' && (outcome.status === 404 || outcome.status === 410);
    if (outcome.kind === 'success' || gone) {
      await recordCompensated(store, { ...record, httpStatus: outcome.status ?? null });
      compensated.add(row.rowNumber);
      return 'done';
    }
    if (outcome.kind === 'transient' && breaker.isOpen) return 'downstream-down';
    if (outcome.kind === 'transient' && stop.stopped) return 'runtime-stopping';
    await storeCompensationFailure(store, {
      ...record,
      httpStatus: outcome.status ?? null,
      error: `row ${row.rowNumber} was applied and its undo ${request.method} ${request.path} failed: ${outcome.error}`,
      errorDetail: outcome.detail ?? null,
    });
    notUndone.add(row.rowNumber);
    return 'done';
  };

  for (let beforeId: number | undefined; ; ) {
    const page = await listBatchEvents(store, { batchId: batch.id, action: 'rows-applied', afterId, beforeId, limit: PAGE });
    for (const event of page) {
      for (const row of appliedRowsOf(event).reverse()) {
        if (compensated.has(row.rowNumber) || notUndone.has(row.rowNumber)) continue;
        if (stop.stopped) return { done: false, why: 'runtime-stopping' };
        const step = await undo(row);
        if (step !== 'done') return { done: false, why: step };
      }
    }
    if (page.length < PAGE) break;
    beforeId = page[page.length - 1].id;
  }
  const undone = `${compensated.size} applied row${compensated.size === 1 ? '' : 's'} compensated`;
  const kept = notUndone.size > 0 ? `; ${notUndone.size} could not be undone (kept as error payloads of kind compensation)` : '';
  return { done: true, compensated: compensated.size, notUndone: notUndone.size, reason: `row ${due.rowNumber}: ${due.error}; ${undone}${kept}` };
}
