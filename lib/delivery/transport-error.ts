// What undici and the socket throw, turned into the delivery layer's typed errors.
import { BsyncError } from '../errors';
import { ConnectionFailedError, RequestCancelledError, RequestTimeoutError } from './errors';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Mistakes in how we call undici, not downstream trouble: passed on as they are. */
const CALLER_BUG_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_INVALID_RETURN_VALUE']);

export interface RequestContext {
  method: string;
  url: string;
  timeoutMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

export function transportError(error: unknown, context: RequestContext): unknown {
  const { method, url } = context;
  if (context.timedOut) return new RequestTimeoutError(method, url, context.timeoutMs, error);
  if (context.cancelled) return new RequestCancelledError(method, url, error);
  if (error instanceof BsyncError) return error;
  const ownCode = (error as { code?: unknown } | undefined)?.code;
  if (typeof ownCode === 'string' && TIMEOUT_CODES.has(ownCode)) return new RequestTimeoutError(method, url, context.timeoutMs, error);
  if (typeof ownCode === 'string' && CALLER_BUG_CODES.has(ownCode)) return error;
  return new ConnectionFailedError(method, url, errorCode(error) ?? 'UNKNOWN', error instanceof Error ? error.message : String(error), error);
}

/**
 * The most telling code: the socket's (ECONNRESET) rather than undici's wrapper (UND_ERR_SOCKET), and
 * the first attempt's when several addresses were tried (AggregateError).
 */
export function errorCode(error: unknown): string | undefined {
  const candidates: unknown[] = [];
  if (error && typeof error === 'object') {
    const { cause, errors } = error as { cause?: unknown; errors?: unknown };
    candidates.push(cause);
    if (Array.isArray(errors)) candidates.push(errors[0]);
    candidates.push(error);
  }
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && code) return code;
  }
  return undefined;
}
