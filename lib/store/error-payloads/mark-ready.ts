import { InvalidRequestError, InvalidTransitionError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents, type EventInput } from '../record-event';
import type { ErrorPayloadRow } from '../tables';
import { hasRowLocks, writeTransaction } from '../transaction';
import { applyErrorPayloadFilter, isNarrowFilter, type ErrorPayloadFilter } from './error-payload-filter';
import { moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';
import { lockErrorPayload, reloadErrorPayload } from './lock-error-payload';

export interface ReadyRequest {
  id: number;
  actor: string;
  reason?: string;
  now?: number;
}

/**
 * NEW → READY: an admin corrected the payload, or accepts it as it is, and an errors-mode dispatcher may
 * resend it. Already READY is left as it is (asking twice is no mistake); any other status is refused.
 */
export async function markErrorPayloadReady(store: Store, request: ReadyRequest): Promise<ErrorPayloadRow> {
  const now = request.now ?? Date.now();
  return writeTransaction(store, async (trx) => {
    const before = await lockErrorPayload(store, trx, request.id);
    if (before.status === 'READY') return before;
    if (before.status !== 'NEW') {
      const error = new InvalidTransitionError('error payload', before.id, before.status, 'READY', before.batch_id);
      error.message = `error payload ${before.id} is ${before.status}: only a NEW error payload can be marked READY`;
      throw error;
    }
    await moveErrorPayloads(store, trx, [before], 'READY', { status_time: now });
    await recordEvents(store, trx, [readyEvent(before, request.actor, request.reason, now)]);
    return reloadErrorPayload(store, trx, before.id);
  });
}

export interface BulkReadyRequest {
  /** The NEW error payloads it selects become READY; at least a batch, group or error kind is required. */
  filter: ErrorPayloadFilter;
  actor: string;
  reason?: string;
  now?: number;
}

export interface BulkReadyResult {
  /** The error payloads that became READY. */
  ids: number[];
  count: number;
}

/** Many NEW error payloads → READY at once, each with its own event, in one transaction. */
export async function markErrorPayloadsReady(store: Store, request: BulkReadyRequest): Promise<BulkReadyResult> {
  const now = request.now ?? Date.now();
  if (!isNarrowFilter(request.filter)) {
    throw new InvalidRequestError('marking READY in bulk needs a filter: batchId, groupType, groupId or errorKind');
  }
  return writeTransaction(store, async (trx) => {
    const select = applyErrorPayloadFilter(trx(store.tables.errorPayload).select('id', 'batch_id', 'status'), { ...request.filter, status: 'NEW' }).orderBy(
      'id',
    );
    if (hasRowLocks(store)) select.forUpdate();
    const selected = ((await select) as ErrorPayloadState[]).map((row) => ({ ...row, id: Number(row.id), batch_id: Number(row.batch_id) }));
    await moveErrorPayloads(store, trx, selected, 'READY', { status_time: now });
    await recordEvents(
      store,
      trx,
      selected.map((row) => readyEvent(row, request.actor, request.reason, now, request.filter)),
    );
    return { ids: selected.map((row) => row.id), count: selected.length };
  });
}

function readyEvent(before: Pick<ErrorPayloadRow, 'id' | 'batch_id' | 'status'>, actor: string, reason: string | undefined, now: number, filter?: ErrorPayloadFilter): EventInput {
  return {
    entity: 'error_payload',
    entityId: before.id,
    batchId: before.batch_id,
    action: 'ready',
    fromStatus: before.status,
    toStatus: 'READY',
    actor,
    detail: {
      before: { status: before.status },
      after: { status: 'READY' },
      ...(reason ? { reason } : {}),
      ...(filter ? { bulk: filter } : {}),
    },
    at: now,
  };
}
