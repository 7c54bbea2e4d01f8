import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadStatus } from '../tables';
import { writeTransaction } from '../transaction';
import { closeSettledBatches } from './close-settled-batches';
import { applyErrorPayloadFilter, isNarrowFilter, type ErrorPayloadFilter } from './error-payload-filter';
import { settleSameRowElsewhere } from './settle-same-row';

/** The statuses an admin may discard: the row is not on its way (RESUBMITTED) nor settled. */
const DISCARDABLE: readonly ErrorPayloadStatus[] = ['NEW', 'READY'];

export interface BulkDiscardRequest {
  /** The NEW or READY error payloads it selects are discarded; at least a batch, group or error kind is required. */
  filter: Omit<ErrorPayloadFilter, 'status'>;
  reason: string;
  actor: string;
  now?: number;
}

export interface BulkDiscardResult {
  /** The error payloads that became DISCARDED (not those of the lineage that followed them). */
  ids: number[];
  count: number;
}

/**
 * Many error payloads → DISCARDED at once, each with its own event, in one transaction: the rows will not be
 * sent. As with one discard, the same rows' open error payloads elsewhere in their lineage follow, and a FAILED
 * batch left with no open row becomes PROCESSED.
 */
export async function discardErrorPayloads(store: Store, request: BulkDiscardRequest): Promise<BulkDiscardResult> {
  const now = request.now ?? Date.now();
  const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (!reason) throw new InvalidRequestError('discarding error payloads needs a reason');
  if (!isNarrowFilter(request.filter)) {
    throw new InvalidRequestError('discarding in bulk needs a filter: batchId, groupType, groupId or errorKind');
  }
  return writeTransaction(store, async (trx) => {
    const select = applyErrorPayloadFilter(trx(store.tables.errorPayload).select('id', 'batch_id', 'status', 'idempotency_key'), {
      ...request.filter,
      status: DISCARDABLE,
    }).orderBy('id');
    if (store.dialect === 'mysql') select.forUpdate();
    const selected = ((await select) as { id: number; batch_id: number; status: ErrorPayloadStatus; idempotency_key: string }[]).map((row) => ({
      ...row,
      id: Number(row.id),
      batch_id: Number(row.batch_id),
    }));
    for (let start = 0; start < selected.length; start += 500) {
      const chunk = selected.slice(start, start + 500).map((row) => row.id);
      await trx(store.tables.errorPayload).whereIn('id', chunk).update({ status: 'DISCARDED', status_time: now });
    }
    await recordEvents(
      store,
      trx,
      selected.map((row) => ({
        entity: 'error_payload' as const,
        entityId: row.id,
        batchId: row.batch_id,
        action: 'discarded',
        fromStatus: row.status,
        toStatus: 'DISCARDED',
        actor: request.actor,
        detail: { reason, before: { status: row.status }, after: { status: 'DISCARDED' }, bulk: request.filter },
        at: now,
      })),
    );
    const touched = await settleSameRowElsewhere(store, trx, {
      keys: selected.map((row) => row.idempotency_key),
      to: 'DISCARDED',
      actor: request.actor,
      cause: { bulk: request.filter },
      reason,
      now,
    });
    await closeSettledBatches(store, trx, [...selected.map((row) => row.batch_id), ...touched], request.actor, now);
    return { ids: selected.map((row) => row.id), count: selected.length };
  });
}
