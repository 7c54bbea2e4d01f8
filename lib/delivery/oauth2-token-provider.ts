// OAuth2 client credentials: one token shared by every request of an endpoint, fetched once however
// many requests need it at the same moment, and renewed before it runs out.
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import type { EndpointAuth } from './api-types';
import { TokenRequestError } from './errors';
import { bodyExcerpt, describeAnswer, downstreamError, parseJson } from './describe-response';
import { basicCredentials } from './headers';
import { readCappedBody } from './read-capped-body';
import type { SecretRedactor } from './redact-secrets';
import { errorCode } from './transport-error';

export type OAuth2Auth = Extract<EndpointAuth, { type: 'oauth2' }>;

/** A token is renewed this long before `expires_in` says it ends: 10% of its life, at most 30 s. */
const MAX_RENEW_MARGIN_MS = 30_000;
const RENEW_MARGIN_SHARE = 0.1;
/** Like the API, a token endpoint that is overloaded or rate limiting may answer later. */
const TRANSIENT_TOKEN_STATUSES = new Set([408, 425, 429]);

interface CachedToken {
  value: string;
  renewAt: number;
}

export class OAuth2TokenProvider {
  private cached?: CachedToken;
  private pending?: Promise<CachedToken>;

  constructor(
    private readonly auth: OAuth2Auth,
    private readonly options: { dispatcher: Dispatcher; timeoutMs: number; redactor?: SecretRedactor },
  ) {}

  /** A valid access token: the cached one, or the one being fetched for everybody right now. */
  async token(): Promise<string> {
    if (this.cached && performance.now() < this.cached.renewAt) return this.cached.value;
    this.pending ??= this.fetchToken()
      .then((fetched) => (this.cached = fetched))
      // A token endpoint that echoes the client secret must not get it into an error payload.
      .catch((error: unknown) => {
        throw this.options.redactor ? this.options.redactor.redactError(error) : error;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return (await this.pending).value;
  }

  /**
   * The API refused `token` (401): forget it so the next caller fetches another. A token that is no
   * longer the cached one was already replaced, so many requests failing with it cause one fetch only.
   */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { tokenUrl } = this.auth;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.auth.scope) form.set('scope', this.auth.scope);
    if (this.auth.audience) form.set('audience', this.auth.audience);
    let status: number;
    let text: string;
    const requestedAt = performance.now();
    try {
      const response = await request(tokenUrl, {
        dispatcher: this.options.dispatcher,
        method: 'POST',
        headers: {
          // RFC 6749 2.3.1: id and secret are form-encoded before they go into the basic credentials.
          authorization: basicCredentials(encodeURIComponent(this.auth.clientId), encodeURIComponent(this.auth.clientSecret)),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = response.statusCode;
      text = await readCappedBody(response.body);
    } catch (error) {
      const timedOut = (error as { name?: string })?.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.options.timeoutMs} ms` : `could not connect (${errorCode(error) ?? String(error)})`;
      throw new TokenRequestError(tokenUrl, reason, { transient: true, cause: error });
    }
    const body = parseJson(text);
    if (status < 200 || status >= 300) {
      const transient = status >= 500 || TRANSIENT_TOKEN_STATUSES.has(status);
      throw new TokenRequestError(tokenUrl, describeAnswer(status, downstreamError(body)), { transient, status, detail: bodyExcerpt(text) });
    }
    const answer = (body ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string' || !answer.access_token) {
      throw new TokenRequestError(tokenUrl, `HTTP ${status} without an access_token`, { transient: false, status, detail: bodyExcerpt(text) });
    }
    // Known before anyone can send it: an API that echoes it back gets it redacted from the first answer.
    this.options.redactor?.addToken(answer.access_token);
    return { value: answer.access_token, renewAt: renewTime(requestedAt, answer.expires_in) };
  }
}

/** Counted from when the token was asked for, so the time the request took cannot make us late. */
function renewTime(requestedAt: number, expiresIn: unknown): number {
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  // Without a lifetime the token is kept until the API refuses it (a 401 fetches a new one).
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return Number.POSITIVE_INFINITY;
  const lifeMs = seconds * 1000;
  return requestedAt + lifeMs - Math.min(MAX_RENEW_MARGIN_MS, lifeMs * RENEW_MARGIN_SHARE);
}
