import { boundNullableText, boundText } from '../bounded-text';
import { BsyncError, NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ErrorKind, ErrorPayloadRow } from '../tables';
import { diagnosticText } from '../storable-text';
import { forUpdate, writeTransaction } from '../transaction';
import { closeSettledBatches } from './close-settled-batches';
import { assertErrorPayloadTransition } from './error-payload-transitions';
import { normalizeErrorPayload } from './normalize-error-payload';
import { settleSameRowElsewhere } from './settle-same-row';

export type ResendResult =
  | { delivered: true; httpStatus: number | null }
  | { delivered: false; errorKind: ErrorKind; httpStatus?: number | null; error: string; errorDetail?: string | null };

/**
 * Records the outcome of resending a RESUBMITTED error payload: RESOLVED when delivered, else back to
 * NEW with the new error and one more attempt. Only the runtime holding its lease may settle it.
 * A delivered row is delivered for its whole lineage: its open error payloads in the batch it was replayed
 * from (or in replays of it) are resolved too, and a FAILED batch left with no open row becomes PROCESSED.
 */
export async function settleErrorPayload(
  store: Store,
  id: number,
  owner: string,
  result: ResendResult,
  now: number = Date.now(),
): Promise<ErrorPayloadRow> {
  return writeTransaction(store, async (trx) => {
    const row = await forUpdate(store, trx(store.tables.errorPayload).where('id', id)).first();
    if (!row) throw new NotFoundError('error payload', id);
    const before = normalizeErrorPayload(row);
    if (before.lease_owner !== owner) {
      throw new BsyncError('LEASE_LOST', `error payload ${id}: this runtime (${owner}) no longer holds its lease`, { batchId: before.batch_id });
    }
    const to = result.delivered ? 'RESOLVED' : 'NEW';
    assertErrorPayloadTransition(id, before.batch_id, before.status, to);
    const change = result.delivered
      ? { status: to, status_time: now, resolved_at: now, http_status: result.httpStatus, lease_owner: null, lease_until: null }
      : {
          status: to,
          status_time: now,
          error_kind: result.errorKind,
          http_status: result.httpStatus ?? null,
          error: diagnosticText(store, boundText(result.error)),
          error_detail: diagnosticText(store, boundNullableText(result.errorDetail ?? null)),
          attempts: before.attempts + 1,
          lease_owner: null,
          lease_until: null,
        };
    await trx(store.tables.errorPayload).where({ id, status: before.status }).update(change);
    await recordEvents(store, trx, [
      {
        entity: 'error_payload',
        entityId: id,
        batchId: before.batch_id,
        action: result.delivered ? 'resolved' : 'resend-failed',
        fromStatus: before.status,
        toStatus: to,
        actor: owner,
        detail: result.delivered ? { httpStatus: result.httpStatus } : { error: result.error, httpStatus: result.httpStatus ?? null },
        at: now,
      },
    ]);
    if (result.delivered) {
      const touched = await settleSameRowElsewhere(store, trx, {
        keys: [before.idempotency_key],
        to: 'RESOLVED',
        actor: owner,
        cause: { errorPayloadId: id, batchId: before.batch_id },
        now,
      });
      await closeSettledBatches(store, trx, [before.batch_id, ...touched], owner, now);
    }
    return normalizeErrorPayload(await trx(store.tables.errorPayload).where('id', id).first());
  });
}
