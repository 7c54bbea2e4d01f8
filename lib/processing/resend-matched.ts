import type { MatchingSettings } from '../matching';
import { settleErrorPayload, writeKeyMappings, writeTransaction, type ErrorPayloadRow } from '../store';
import { KeyedDelivery } from './keyed-delivery';
import type { ProcessorSettings } from './processor-settings';
import type { ResendContext } from './resend-error-payload';
import { RowSender } from './row-sender';
import { withMatch } from './row-match';
import { RunStop } from './run-stop';

/**
 * Resends an error payload under key matching: decided as its row would be now (a key mapped meanwhile is
 * updated, not created again; content already delivered is not sent), with its original Idempotency-Key.
 * The mapping is written before the error payload is settled: a crash in between leaves it RESUBMITTED,
 * and its resend then finds the key mapped instead of creating the record a second time.
 */
export async function resendMatched(
  context: ResendContext,
  errorPayload: ErrorPayloadRow,
  settings: ProcessorSettings,
  matching: MatchingSettings,
  row: { record: Record<string, unknown>; body: string; path: string },
): Promise<ErrorPayloadRow> {
  const stop = new RunStop(context.signal ?? new AbortController().signal);
  try {
    const keyed = new KeyedDelivery(context.store, matching, new RowSender(context.client, settings, stop), { id: errorPayload.batch_id, groupType: errorPayload.group_type, replay: true });
    const work = withMatch(
      {
        rowNumber: errorPayload.row_number,
        key: errorPayload.idempotency_key,
        original: errorPayload.original_payload ?? '',
        request: { path: row.path, body: row.body, contentType: 'application/json' },
      },
      row.record,
      settings,
    );
    const result = await keyed.deliver(work);
    if (!result) {
      return settleErrorPayload(context.store, errorPayload.id, context.owner, { delivered: false, errorKind: 'transient', error: 'not finished: the runtime stopped while the request was out' });
    }
    const mapping = 'mapping' in result ? result.mapping : undefined;
    if (mapping) await writeTransaction(context.store, (trx) => writeKeyMappings(context.store, trx, errorPayload.group_type, [mapping], Date.now()));
    if (result.ok) return settleErrorPayload(context.store, errorPayload.id, context.owner, { delivered: true, httpStatus: result.httpStatus ?? null });
    // A single row's delivery never settles as a member of a group.
    if (!('failure' in result)) throw new Error(`error payload ${errorPayload.id}: a row was settled as part of a group`);
    const { failure } = result;
    return settleErrorPayload(context.store, errorPayload.id, context.owner, {
      delivered: false,
      errorKind: failure.errorKind,
      httpStatus: failure.httpStatus ?? null,
      error: failure.error,
      errorDetail: failure.errorDetail ?? null,
    });
  } finally {
    stop.release();
  }
}
