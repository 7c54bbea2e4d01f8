// The delivery rules of DESIGN.md: what an answer or a failure means for the row that was sent.
import { describeError } from '../errors';
import type { ApiResponse } from './api-types';
import { bodyExcerpt, describeAnswer, downstreamError, parseJson, statusLine } from './describe-response';
import { ConnectionFailedError, RequestCancelledError, RequestTimeoutError, TokenRequestError } from './errors';
import { parseRetryAfter } from './retry-after';

export type Outcome =
  | { kind: 'success'; status: number; body: string; headers: ApiResponse['headers'] }
  | { kind: 'permanent'; status?: number; error: string; detail?: string }
  | { kind: 'transient'; status?: number; error: string; detail?: string; retryAfterMs?: number };

/** A success check's judgement of one answer. */
export type SuccessVerdict = { ok: boolean; code?: string; message?: string };

/**
 * Decides whether a 2xx answer really is a success; `body` is the parsed JSON, or the text when it is not JSON.
 * A compiled expression judges at once, JSONata in a promise.
 */
export type SuccessCheck = (body: unknown, response: ApiResponse) => SuccessVerdict | Promise<SuccessVerdict>;

/** Statuses that say "not now" rather than "not this": the same request may succeed later. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The outcome of an answer: at once, or in a promise when a success check judges in one. */
export function classifyResponse(response: ApiResponse, successCheck?: SuccessCheck): Outcome | Promise<Outcome> {
  const { status, body } = response;
  if (status >= 200 && status < 300) {
    if (!successCheck) return { kind: 'success', status, body, headers: response.headers };
    return checkSuccess(response, successCheck);
  }
  const parsed = parseJson(body);
  const error = describeAnswer(status, downstreamError(parsed));
  const detail = bodyExcerpt(body);
  if (TRANSIENT_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    return { kind: 'transient', status, error, detail, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  return { kind: 'permanent', status, error, detail };
}

async function checkSuccess(response: ApiResponse, successCheck: SuccessCheck): Promise<Outcome> {
  const { status, body } = response;
  const parsed = parseJson(body);
  let verdict: SuccessVerdict;
  try {
    const judged = successCheck(parsed === undefined ? body : parsed, response);
    verdict = judged instanceof Promise ? await judged : judged;
  } catch (error) {
    // A check that cannot be evaluated is a configuration problem: the row is kept for an admin, not retried.
    return { kind: 'permanent', status, error: `${statusLine(status)} but the success check failed: ${describeError(error)}`, detail: bodyExcerpt(body) };
  }
  if (verdict.ok) return { kind: 'success', status, body, headers: response.headers };
  const said = downstreamError(parsed);
  const words = [verdict.code ?? said.code, verdict.message ?? said.message].filter(Boolean).join(' ');
  return {
    kind: 'permanent',
    status,
    error: `${statusLine(status)} reported a failure: ${words || 'the response did not pass the success check'}`,
    detail: bodyExcerpt(body),
  };
}

/** A request that got no answer: the network or the downstream is in trouble, not the row. */
export function classifyError(error: unknown): Outcome {
  if (error instanceof RequestTimeoutError) return { kind: 'transient', error: `no answer: ${error.message}` };
  if (error instanceof ConnectionFailedError) return { kind: 'transient', error: `could not reach the API: ${error.message}` };
  if (error instanceof RequestCancelledError) return { kind: 'transient', error: `not finished: ${error.message}` };
  if (error instanceof TokenRequestError) {
    return error.transient
      ? { kind: 'transient', status: error.status, error: error.message, detail: error.detail }
      : { kind: 'permanent', status: error.status, error: error.message, detail: error.detail };
  }
  return { kind: 'permanent', error: `the request could not be sent: ${describeError(error)}` };
}
