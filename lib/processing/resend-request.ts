import type { Outcome } from '../delivery/classify';
import { deliver } from '../delivery/deliver';
import type { ErrorPayloadRow } from '../store';
import { IDEMPOTENCY_HEADER } from '../lineage';
import type { ProcessorSettings } from './processor-settings';
import type { ResendContext } from './resend-error-payload';

/**
 * The one request of a resent error payload (a row, or a group as one call): the node's request method and
 * headers, the payload's own Idempotency-Key, retried by the node's policy, checked by its success check.
 */
export async function sendResendRequest(
  context: ResendContext,
  errorPayload: Pick<ErrorPayloadRow, 'idempotency_key'>,
  settings: ProcessorSettings,
  request: { path: string; body: string },
): Promise<Outcome> {
  const { outcome } = await deliver(
    context.client,
    {
      method: settings.request.method,
      path: request.path,
      headers: { ...settings.request.headers, [IDEMPOTENCY_HEADER]: errorPayload.idempotency_key },
      body: request.body,
      contentType: 'application/json',
    },
    { policy: settings.retry, successCheck: settings.successCheck, signal: context.signal },
  );
  return outcome;
}
