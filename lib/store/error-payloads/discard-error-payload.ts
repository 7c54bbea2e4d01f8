import { InvalidRequestError, InvalidTransitionError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadRow } from '../tables';
import { writeTransaction } from '../transaction';
import { closeSettledBatches } from './close-settled-batches';
import { moveErrorPayloads } from './error-payload-transitions';
import { lockErrorPayload, reloadErrorPayload } from './lock-error-payload';
import { settleSameRowElsewhere } from './settle-same-row';

export interface DiscardRequest {
  id: number;
  /** Why the row will not be sent: required, it is what an auditor asks first. */
  reason: string;
  actor: string;
  now?: number;
}

/**
 * NEW or READY → DISCARDED: the row will not be sent. The same row's open error payloads in the rest of
 * its lineage are discarded with it, and a FAILED batch left with no open row becomes PROCESSED.
 */
export async function discardErrorPayload(store: Store, request: DiscardRequest): Promise<ErrorPayloadRow> {
  const now = request.now ?? Date.now();
  const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
  if (!reason) throw new InvalidRequestError(`discarding error payload ${request.id} needs a reason (msg.payload.reason)`);
  return writeTransaction(store, async (trx) => {
    const before = await lockErrorPayload(store, trx, request.id);
    if (before.status !== 'NEW' && before.status !== 'READY') {
      const error = new InvalidTransitionError('error payload', before.id, before.status, 'DISCARDED', before.batch_id);
      error.message = `error payload ${before.id} is ${before.status}: only NEW or READY error payloads can be discarded`;
      throw error;
    }
    await moveErrorPayloads(store, trx, [before], 'DISCARDED', { status_time: now });
    await recordEvents(store, trx, [
      {
        entity: 'error_payload',
        entityId: before.id,
        batchId: before.batch_id,
        action: 'discarded',
        fromStatus: before.status,
        toStatus: 'DISCARDED',
        actor: request.actor,
        detail: { reason, before: { status: before.status }, after: { status: 'DISCARDED' } },
        at: now,
      },
    ]);
    const touched = await settleSameRowElsewhere(store, trx, {
      keys: [before.idempotency_key],
      to: 'DISCARDED',
      actor: request.actor,
      cause: { errorPayloadId: before.id, batchId: before.batch_id },
      reason,
      now,
    });
    await closeSettledBatches(store, trx, [before.batch_id, ...touched], request.actor, now);
    return reloadErrorPayload(store, trx, before.id);
  });
}
