import { InvalidTransitionError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorPayloadRow, ErrorPayloadStatus } from '../tables';
import { assertStorableText } from '../storable-text';
import { writeTransaction } from '../transaction';
import { lockErrorPayload, reloadErrorPayload } from './lock-error-payload';

/** A payload in flight (RESUBMITTED) or settled cannot change under its resend or its record. */
const CORRECTABLE_STATUSES: readonly ErrorPayloadStatus[] = ['NEW', 'READY'];

export interface Correction {
  id: number;
  /** The corrected request body, as JSON text, already checked by the caller (see lib/corrections). */
  payload: string;
  actor: string;
  now?: number;
}

/**
 * Replaces the payload that will be sent for a failed row. `original_payload` (the row as read from the
 * file) is never changed, and the event keeps the payload before and after, so every correction can be
 * traced back. The status stays as it is: marking it READY is a separate, deliberate step.
 */
export async function correctErrorPayload(store: Store, correction: Correction): Promise<ErrorPayloadRow> {
  const now = correction.now ?? Date.now();
  return writeTransaction(store, async (trx) => {
    const before = await lockErrorPayload(store, trx, correction.id);
    if (!CORRECTABLE_STATUSES.includes(before.status)) {
      const error = new InvalidTransitionError('error payload', before.id, before.status, before.status, before.batch_id);
      error.message = `error payload ${before.id} is ${before.status}: only NEW or READY error payloads can be corrected`;
      throw error;
    }
    assertStorableText(store, `the corrected payload of error payload ${before.id}`, correction.payload, { batchId: before.batch_id });
    await trx(store.tables.errorPayload).where('id', before.id).update({ payload: correction.payload });
    await recordEvents(store, trx, [
      {
        entity: 'error_payload',
        entityId: before.id,
        batchId: before.batch_id,
        action: 'corrected',
        fromStatus: before.status,
        toStatus: before.status,
        actor: correction.actor,
        detail: { before: { payload: before.payload }, after: { payload: correction.payload } },
        at: now,
      },
    ]);
    return reloadErrorPayload(store, trx, before.id);
  });
}
