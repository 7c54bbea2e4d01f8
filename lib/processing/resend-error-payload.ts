import type { ApiClient } from '../delivery/api-client';
import { describeError } from '../errors';
import { getBatch, settleErrorPayload, type ErrorPayloadRow, type KeyMapHolder, type Store } from '../store';
import { resendUndo } from './all-or-nothing/resend-undo';
import { jsonlSettings } from './jsonl-row';
import { fillPathTemplate } from './path-template';
import { withCreateRequest } from './keyed-delivery';
import { prepareRow } from './prepare-row';
import { resendMatched } from './resend-matched';
import type { ProcessorSettings } from './processor-settings';
import { sendResendRequest } from './resend-request';
import { resendGroupErrorPayload } from './resend-group';
import { readGroupOriginal } from '../grouping';

export interface ResendContext {
  store: Store;
  client: ApiClient;
  owner: string;
  signal?: AbortSignal;
  /** Key matching: the resend waits for another delivery of its group type to let go of the key map. */
  onWaiting?: (waitingFor: KeyMapHolder) => void;
}

/**
 * Sends a READY error payload again (claimed by an errors-mode dispatcher) with its original
 * Idempotency-Key: RESOLVED when delivered, else back to NEW with the new error and one more attempt.
 * A payload that was never mapped (the row failed validation) is validated and mapped now, as a row would be.
 */
export async function resendErrorPayload(context: ResendContext, errorPayload: ErrorPayloadRow, settings: ProcessorSettings): Promise<ErrorPayloadRow> {
  // An undo an all-or-nothing batch could not send is sent as that undo, not as the row.
  if (errorPayload.error_kind === 'compensation') return resendUndo(context, errorPayload, settings);
  settings = withCreateRequest(settings);
  const original = parseObject(errorPayload.original_payload) ?? {};
  let body = errorPayload.payload;
  let requestPath: string;
  // A row that failed validation or mapping was never turned into a request: its payload, when an admin
  // corrected it, is the corrected row, which goes through the schema and the mapping like any row.
  const unsentRow = errorPayload.error_kind === 'validation' || errorPayload.error_kind === 'mapping' || errorPayload.error_kind === 'read';
  const corrected = parseObject(body);
  if (errorPayload.error_kind === 'read' && !corrected) {
    // A line that could not be read has no row to send (its original is only its text): only a correction does.
    return settleErrorPayload(context.store, errorPayload.id, context.owner, {
      delivered: false,
      errorKind: 'read',
      error: readErrorAgain(errorPayload.error),
    });
  }
  // Grouped, the downstream takes lists: a group (or a row of one) goes again as a list, with its key.
  if (settings.group || readGroupOriginal(errorPayload.original_payload)) {
    return resendGroupErrorPayload(context, errorPayload, settings, await rowSettingsOf(context.store, errorPayload, settings));
  }
  try {
    if (body === null || unsentRow) {
      const prepared = await prepareRow((unsentRow && corrected) || original, await rowSettingsOf(context.store, errorPayload, settings));
      if (!prepared.ok) {
        return settleErrorPayload(context.store, errorPayload.id, context.owner, {
          delivered: false,
          errorKind: prepared.errorKind,
          error: prepared.error,
          errorDetail: prepared.errorDetail,
        });
      }
      body = prepared.body;
      requestPath = prepared.path;
    } else {
      requestPath = fillPathTemplate(settings.request.pathTemplate, { ...original, ...(parseObject(body) ?? {}) });
    }
  } catch (error) {
    return settleErrorPayload(context.store, errorPayload.id, context.owner, { delivered: false, errorKind: 'mapping', error: describeError(error) });
  }
  if (settings.matching) return resendMatched(context, errorPayload, settings, settings.matching, { record: (unsentRow && corrected) || original, body, path: requestPath });
  const outcome = await sendResendRequest(context, errorPayload, settings, { path: requestPath, body });
  if (outcome.kind === 'success') {
    return settleErrorPayload(context.store, errorPayload.id, context.owner, { delivered: true, httpStatus: outcome.status });
  }
  return settleErrorPayload(context.store, errorPayload.id, context.owner, {
    delivered: false,
    errorKind: outcome.kind === 'transient' ? 'transient' : outcome.status !== undefined && outcome.status < 300 ? 'rejected' : 'permanent',
    httpStatus: outcome.status ?? null,
    error: outcome.error,
    errorDetail: outcome.detail ?? null,
  });
}

function parseObject(text: string | null): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const CORRECT_FIRST = '; correct the row before sending it again';

/** The read error kept as it was, said once however often the row is sent again uncorrected. */
function readErrorAgain(error: string | null): string {
  const reason = error ?? 'the line could not be read';
  return reason.endsWith(CORRECT_FIRST) ? reason : `${reason}${CORRECT_FIRST}`;
}

/** A row of a JSON Lines batch is validated with its types as they are, as it was when its batch ran. */
async function rowSettingsOf(store: Store, errorPayload: ErrorPayloadRow, settings: ProcessorSettings): Promise<ProcessorSettings> {
  if (!settings.rowSchema) return settings;
  const batch = await getBatch(store, errorPayload.batch_id);
  return batch.format === 'jsonl' ? jsonlSettings(settings) : settings;
}
