import { originBatchId as originBatchIdOf } from '../lineage';
import type { MatchingSettings } from '../matching';
import { getBatch, getErrorPayload, renewErrorPayloadLease, settleErrorPayload, writeKeyMappings, writeTransaction, type ErrorPayloadRow } from '../store';
import { KeyedDelivery } from './keyed-delivery';
import { LeaseKeeper } from './lease-keeper';
import type { ProcessorSettings } from './processor-settings';
import type { ResendContext } from './resend-error-payload';
import { RowSender } from './row-sender';
import { withMatch } from './row-match';
import { RunStop } from './run-stop';
import { waitForKeyMap } from './wait-for-key-map';

/**
 * Resends an error payload under key matching: decided as its row would be now (a key mapped meanwhile is
 * updated, not created again; content already delivered is not sent), with its original Idempotency-Key.
 * The mapping is written before the error payload is settled: a crash in between leaves it RESUBMITTED,
 * and its resend then finds the key mapped instead of creating the record a second time. It waits for its
 * group type's key map first (takeKeyMapLock), as a batch does, keeping its lease meanwhile: a batch with the
 * same new key running at the same time would create the record too.
 */
export async function resendMatched(
  context: ResendContext,
  errorPayload: ErrorPayloadRow,
  settings: ProcessorSettings,
  matching: MatchingSettings,
  row: { record: Record<string, unknown>; body: string; path: string },
): Promise<ErrorPayloadRow> {
  const stop = new RunStop(context.signal ?? new AbortController().signal);
  const lease = new LeaseKeeper((leaseUntil) => renewErrorPayloadLease(context.store, errorPayload.id, context.owner, leaseUntil), settings.leaseMs, () => stop.stop());
  lease.start();
  try {
    const waited = await waitForKeyMap({
      store: context.store,
      groupType: errorPayload.group_type,
      holder: { kind: 'error-payload', id: errorPayload.id },
      batchId: errorPayload.batch_id,
      owner: context.owner,
      signal: stop.sendingSignal,
      onWaiting: context.onWaiting,
    });
    // Stopped while it waited: nothing sent; it stays RESUBMITTED until its lease runs out, then is claimed again.
    if (!waited) return getErrorPayload(context.store, errorPayload.id);
    const originBatchId = await originBatchIdOf(context.store, await getBatch(context.store, errorPayload.batch_id));
    const keyed = new KeyedDelivery(context.store, matching, new RowSender(context.client, settings, stop), { id: errorPayload.batch_id, groupType: errorPayload.group_type, originBatchId, replay: true });
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
    lease.stop();
    stop.release();
  }
}
