import type { ApiClient } from '../../delivery/api-client';
import { deliver } from '../../delivery/deliver';
import { IDEMPOTENCY_HEADER } from '../../lineage';
import { settleErrorPayload, type ErrorPayloadRow, type Store } from '../../store';
import type { ProcessorSettings } from '../processor-settings';

/**
 * Sends the undo a `compensation` error payload names again, once an admin marked it READY (the
 * downstream fixed): its own method, path and Idempotency-Key, never the row's request (a resend as a row
 * would create the record again instead of removing it). 2xx, or 404/410 (gone already), resolves it.
 */
export async function resendUndo(
  context: { store: Store; client: ApiClient; owner: string; signal?: AbortSignal },
  errorPayload: ErrorPayloadRow,
  settings: ProcessorSettings,
): Promise<ErrorPayloadRow> {
  const undo = undoOf(errorPayload.payload);
  if (!undo) {
    return settleErrorPayload(context.store, errorPayload.id, context.owner, {
      delivered: false,
      errorKind: 'compensation',
      error: `error payload ${errorPayload.id}: the payload names no undo request (method and path); undo row ${errorPayload.row_number} by hand and discard it`,
    });
  }
  const { outcome } = await deliver(
    context.client,
    { method: undo.method, path: undo.path, headers: { ...settings.request.headers, [IDEMPOTENCY_HEADER]: errorPayload.idempotency_key } },
    { policy: settings.retry, signal: context.signal },
  );
  if (outcome.kind === 'success' || (outcome.kind === 'permanent' && (outcome.status === 404 || outcome.status === 410))) {
    return settleErrorPayload(context.store, errorPayload.id, context.owner, { delivered: true, httpStatus: outcome.status ?? 404 });
  }
  return settleErrorPayload(context.store, errorPayload.id, context.owner, {
    delivered: false,
    errorKind: 'compensation',
    httpStatus: outcome.status ?? null,
    error: `the undo ${undo.method} ${undo.path} failed: ${outcome.error}`,
    errorDetail: outcome.detail ?? null,
  });
}

function undoOf(payload: string | null): { method: string; path: string } | undefined {
  try {
    const value = JSON.parse(payload ?? '') as { compensation?: { method?: unknown; path?: unknown } };
    const { method, path } = value.compensation ?? {};
    return typeof method === 'string' && typeof path === 'string' && path.startsWith('/') ? { method, path } : undefined;
  } catch {
    return undefined;
  }
}
