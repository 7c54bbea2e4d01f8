import { boundNullableText, boundText } from '../bounded-text';
import type { Store } from '../open-store';
import { recordEvents, type EventInput } from '../record-event';
import { diagnosticText } from '../storable-text';
import type { ErrorPayloadStatus } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';
import { holdLease, undoDetail, type CompensationFailure } from './undo-request';

/** Error payloads a failed undo may take over: nobody works on them (the row failed in an earlier run). */
const TAKEN_OVER: readonly ErrorPayloadStatus[] = ['NEW', 'READY'];

/**
 * A row's undo failed: kept as an error payload of kind `compensation` whose payload says which request
 * would undo it, never dropped. A row that already has a settled error payload from an earlier run
 * (RESOLVED, DISCARDED, held by a resend) keeps it as it is: the failed undo is then kept in the audit
 * trail, a `compensation-failed` event on the batch with the same detail.
 */
export async function storeCompensationFailure(store: Store, failure: CompensationFailure): Promise<void> {
  const now = failure.now ?? Date.now();
  const error = diagnosticText(store, boundText(failure.error));
  const errorDetail = diagnosticText(store, boundNullableText(failure.errorDetail));
  const payload = JSON.stringify({ compensation: undoDetail(failure.undo) });
  await writeTransaction(store, async (trx) => {
    await holdLease(store, trx, failure.batchId, failure.owner);
    const existing = (await forUpdate(
      store,
      trx(store.tables.errorPayload).select('id', 'status').where({ batch_id: failure.batchId, row_number: failure.undo.rowNumber }),
    )) as { id: number; status: ErrorPayloadStatus }[];
    const before = existing[0];
    const detail = { ...undoDetail(failure.undo), httpStatus: failure.httpStatus, error };
    const events: EventInput[] = [];
    if (before && !TAKEN_OVER.includes(before.status)) {
      events.push({ entity: 'batch', entityId: failure.batchId, batchId: failure.batchId, action: 'compensation-failed', actor: failure.owner, detail: { ...detail, kept: `error payload ${before.id} stays ${before.status}` }, at: now });
    } else {
      const fields = {
        payload,
        original_payload: null,
        idempotency_key: failure.undo.idempotencyKey,
        status: 'NEW',
        error_kind: 'compensation',
        http_status: failure.httpStatus,
        error,
        error_detail: errorDetail,
        status_time: now,
        resolved_at: null,
      };
      let id: number;
      if (before) {
        await trx(store.tables.errorPayload).where('id', before.id).update({ ...fields, attempts: trx.raw('?? + 1', ['attempts']) });
        id = Number(before.id);
      } else {
        await trx(store.tables.errorPayload).insert({
          ...fields,
          batch_id: failure.batchId,
          row_number: failure.undo.rowNumber,
          group_type: failure.groupType,
          group_id: failure.groupId,
          attempts: 1,
          created_at: now,
        });
        const [inserted] = await trx(store.tables.errorPayload).select('id').where({ batch_id: failure.batchId, row_number: failure.undo.rowNumber });
        id = Number(inserted.id);
      }
      events.push({
        entity: 'error_payload',
        entityId: id,
        batchId: failure.batchId,
        action: 'compensation-failed',
        fromStatus: before?.status ?? null,
        toStatus: 'NEW',
        actor: failure.owner,
        detail,
        at: now,
      });
    }
    await recordEvents(store, trx, events);
  });
}

