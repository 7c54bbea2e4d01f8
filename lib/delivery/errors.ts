// Typed errors of the delivery layer: classify.ts turns each into a transient or permanent outcome.
import { BsyncError } from '../errors';

/** The endpoint's settings cannot work (no http(s) base URL, headers that are not strings…). */
export class EndpointConfigError extends BsyncError {
  constructor(message: string) {
    super('ENDPOINT_CONFIG_INVALID', message);
  }
}

/** The whole request (connect, send, headers and body) took longer than the endpoint's timeout. */
export class RequestTimeoutError extends BsyncError {
  readonly timeoutMs: number;

  constructor(method: string, url: string, timeoutMs: number, cause?: unknown) {
    super('REQUEST_TIMEOUT', `${method} ${url} got no complete answer within ${timeoutMs} ms`, { cause });
    this.timeoutMs = timeoutMs;
  }
}

/** The downstream could not be reached or dropped the connection; `causeCode` is the system or TLS code. */
export class ConnectionFailedError extends BsyncError {
  readonly causeCode: string;

  constructor(method: string, url: string, causeCode: string, reason: string, cause?: unknown) {
    super('CONNECTION_FAILED', `${method} ${url} failed: ${causeCode}${reason && reason !== causeCode ? ` (${reason})` : ''}`, { cause });
    this.causeCode = causeCode;
  }
}

/** The caller gave up on the request (its AbortSignal fired): not a downstream failure. */
export class RequestCancelledError extends BsyncError {
  constructor(method: string, url: string, cause?: unknown) {
    super('REQUEST_CANCELLED', `${method} ${url} was cancelled`, { cause });
  }
}

/**
 * The OAuth2 token endpoint did not hand out a token. `transient` when it may work later (5xx,
 * unreachable, timeout); permanent when it refused us (4xx: wrong client id or secret, bad scope).
 */
export class TokenRequestError extends BsyncError {
  readonly transient: boolean;
  readonly status?: number;
  readonly detail?: string;

  constructor(tokenUrl: string, reason: string, options: { transient: boolean; status?: number; detail?: string; cause?: unknown }) {
    super('TOKEN_REQUEST_FAILED', `the OAuth2 token endpoint ${tokenUrl} gave no token: ${reason}`, { cause: options.cause });
    this.transient = options.transient;
    this.status = options.status;
    this.detail = options.detail;
  }
}
