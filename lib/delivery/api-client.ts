// The HTTP client of one api-endpoint: a keep-alive pool, the endpoint's auth and headers, a rate
// limit shared by all its callers, and a timeout over each whole request.
import { performance } from 'node:perf_hooks';
import { Agent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { ApiRequest, ApiResponse, EndpointConfig } from './api-types';
import type { Outcome } from './classify';
import { ConcurrencyGate } from './concurrency-gate';
import { joinPath, parseBaseUrl, type BaseUrl } from './endpoint-url';
import { EndpointConfigError, RequestCancelledError } from './errors';
import { hasHeader, listHasHeader, MergedHeaders, staticAuthHeader, type HeaderSet } from './headers';
import { OAuth2TokenProvider } from './oauth2-token-provider';
import { RateLimiter } from './rate-limiter';
import { RequestDeadlines } from './request-deadlines';
import { observeApiRequest } from '../metrics/request-latency';
import { CappedRequest, dispatchCapped } from './capped-dispatch';
import { chooseProxy, secretsOfProxy, type ChosenProxy } from './proxy';
import { SecretRedactor, secretsOfAuth } from './redact-secrets';
import { listenForAbort } from './shared-abort-listener';
import { transportError } from './transport-error';

export type { ApiRequest, ApiResponse, EndpointAuth, EndpointConfig } from './api-types';

/** How long close() lets running requests finish before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000;

export class ApiClient {
  private readonly base: BaseUrl;
  private readonly pool: Dispatcher;
  private readonly gate: ConcurrencyGate;
  /** Each request's timeout, on one timer for all of them. */
  private readonly deadlines: RequestDeadlines;
  private readonly rateLimiter?: RateLimiter;
  /** The endpoint's headers and its static auth header (none with OAuth2), merged once for all requests. */
  private readonly endpointHeaders: MergedHeaders;
  /**
   * Headers go to the Pool as undici's flat list of names and values; a ProxyAgent turns a list back into an
   * object by plain assignment (and looks for `host` in it), so through a proxy they stay an object.
   */
  private readonly headersAsList: boolean;
  private readonly tokenAgent?: Dispatcher;
  private readonly tokens?: OAuth2TokenProvider;
  private readonly redactor: SecretRedactor;

  constructor(private readonly config: EndpointConfig) {
    assertUsable(config);
    this.redactor = new SecretRedactor([...secretsOfAuth(config.auth), ...secretsOfProxy(config.proxy)]);
    this.base = parseBaseUrl(config.baseUrl);
    // The connect options carry the TLS settings (ca, client certificate, servername, rejectUnauthorized).
    const connect = { ...config.tls, timeout: config.timeoutMs };
    const poolOptions = { connections: config.connections, pipelining: 1, headersTimeout: config.timeoutMs, bodyTimeout: config.timeoutMs };
    const proxy = chooseProxy(this.base.origin, config.proxy);
    this.headersAsList = !proxy;
    this.pool = proxy ? proxyAgent(proxy, { ...poolOptions, tls: config.tls, timeoutMs: config.timeoutMs }) : new Pool(this.base.origin, { ...poolOptions, connect });
    this.gate = new ConcurrencyGate(config.connections);
    this.deadlines = new RequestDeadlines(config.timeoutMs);
    if (config.rateLimitPerSecond && config.rateLimitPerSecond > 0) this.rateLimiter = new RateLimiter(config.rateLimitPerSecond);
    this.endpointHeaders = new MergedHeaders(config.headers, staticAuthHeader(config.auth));
    if (config.auth.type === 'oauth2') {
      // The token endpoint may live on another host; it gets the same TLS settings (corporate CA, mTLS).
      const tokenProxy = chooseProxy(config.auth.tokenUrl, config.proxy);
      this.tokenAgent = tokenProxy ? proxyAgent(tokenProxy, { connections: 2, tls: config.tls, timeoutMs: config.timeoutMs }) : new Agent({ connections: 2, connect });
      this.tokens = new OAuth2TokenProvider(config.auth, { dispatcher: this.tokenAgent, timeoutMs: config.timeoutMs, redactor: this.redactor });
    }
  }

  /** Full URL of a request path, for messages and logs. */
  urlOf(path: string): string {
    return `${this.base.origin}${joinPath(this.base.pathPrefix, path)}`;
  }

  /** A text with this endpoint's secrets (and the tokens derived from them) replaced by [redacted]. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /** The outcome with its error and detail redacted: what a downstream said, decoded from its JSON, too. */
  redactOutcome(outcome: Outcome): Outcome {
    if (outcome.kind === 'success') return outcome;
    const clean = { ...outcome, error: this.redactor.redact(outcome.error) };
    if (outcome.detail !== undefined) clean.detail = this.redactor.redact(outcome.detail);
    return clean;
  }

  /**
   * Sends one request and reads its answer. Any HTTP status resolves (classify.ts judges it); a
   * timeout, a failed connection or the caller's abort reject with a typed error. A refusal's body and
   * headers, and any error, come back with the endpoint's secrets redacted: a downstream that echoes the
   * Authorization header cannot get them stored or shown.
   */
  async request(req: ApiRequest): Promise<ApiResponse> {
    try {
      const response = await this.authorizedRequest(req);
      // A 2xx answer is data the flow goes on with (target keys, item results), passed on as it came.
      if (response.status >= 200 && response.status < 300) return response;
      return { ...response, body: this.redactor.redact(response.body), headers: this.redactor.redactHeaders(response.headers) };
    } catch (error) {
      throw this.redactor.redactError(error);
    }
  }

  /** Without OAuth2 the request itself: no async step of its own between the caller and the request. */
  private authorizedRequest(req: ApiRequest): Promise<ApiResponse> {
    return this.tokens ? this.tokenRequest(req, this.tokens) : this.send(req, undefined);
  }

  /** With OAuth2 a 401 means the token was revoked or expired early: one retry with a fresh token. */
  private async tokenRequest(req: ApiRequest, tokens: OAuth2TokenProvider): Promise<ApiResponse> {
    const token = await this.accessToken(req);
    const response = await this.send(req, { Authorization: `Bearer ${token}` });
    if (response.status !== 401) return response;
    tokens.invalidate(token);
    const fresh = await this.accessToken(req);
    return this.send(req, { Authorization: `Bearer ${fresh}` });
  }

  async close(): Promise<void> {
    const closing = Promise.all([this.pool.close(), this.tokenAgent?.close()]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), CLOSE_GRACE_MS);
    });
    const result = await Promise.race([closing, graceOver]);
    clearTimeout(timer);
    if (result === 'grace over') await Promise.all([this.pool.destroy(), this.tokenAgent?.destroy()]);
  }

  /** The shared token; a caller that is cancelled stops waiting, the fetch goes on for the others. */
  private async accessToken(req: ApiRequest): Promise<string> {
    const tokens = this.tokens as OAuth2TokenProvider;
    const signal = req.signal;
    const cancelled = () => new RequestCancelledError(req.method, this.urlOf(req.path));
    if (!signal) return tokens.token();
    if (signal.aborted) throw cancelled();
    let onAbort = () => {};
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(cancelled());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([tokens.token(), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The endpoint's headers, `auth`'s, the request's own, and a JSON content type for a body that has none. */
  private headersOf(req: ApiRequest, auth: HeaderSet | undefined): HeaderSet | string[] {
    const own = req.contentType ? { 'Content-Type': req.contentType } : undefined;
    // With the request's own content type the header is there: no need to look for it.
    const addJsonType = req.body !== undefined && !req.contentType;
    if (this.headersAsList) {
      const list = this.endpointHeaders.listWith(auth, req.headers, own);
      if (addJsonType && !listHasHeader(list, 'content-type')) list.push('Content-Type', 'application/json');
      return list;
    }
    const headers = this.endpointHeaders.with(auth, req.headers, own);
    if (addJsonType && !hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    return headers;
  }

  /** `auth`: the OAuth2 token's header; a static auth header is in the endpoint's headers already. */
  private async send(req: ApiRequest, auth: HeaderSet | undefined): Promise<ApiResponse> {
    const method = req.method.toUpperCase();
    const path = joinPath(this.base.pathPrefix, req.path);
    const url = `${this.base.origin}${path}`;
    const headers = this.headersOf(req, auth);

    // Waiting for the rate limit or a free connection is not part of the request's timeout.
    if (this.rateLimiter && !(await this.rateLimiter.take(req.signal))) throw new RequestCancelledError(method, url);
    const entered = this.gate.enter(req.signal);
    const release = entered instanceof Promise ? await entered : entered;
    if (!release) throw new RequestCancelledError(method, url);

    const context = { method, url, timeoutMs: this.config.timeoutMs, timedOut: false, cancelled: false };
    const request = new CappedRequest();
    const stopDeadline = this.deadlines.start(() => {
      context.timedOut = true;
      request.abort(abortError());
    });
    const onCallerAbort = () => {
      context.cancelled = true;
      request.abort(abortError());
    };
    const stopListening = req.signal ? listenForAbort(req.signal, onCallerAbort) : undefined;
    const startedAt = performance.now();
    try {
      const response = await dispatchCapped(this.pool, { origin: this.base.origin, method: method as never, path, headers, body: req.body }, request);
      const durationMs = Math.round(performance.now() - startedAt);
      observeApiRequest(durationMs, response.statusCode);
      return { status: response.statusCode, headers: response.headers, body: response.body, durationMs };
    } catch (error) {
      observeApiRequest(performance.now() - startedAt, 0);
      throw transportError(error, context);
    } finally {
      stopDeadline();
      stopListening?.();
      release();
    }
  }
}

/**
 * Requests through an HTTP proxy: to an http:// API as absolute-form requests (`POST http://host/path`),
 * to an https:// one through a CONNECT tunnel, with the endpoint's TLS settings inside it.
 */
function proxyAgent(proxy: ChosenProxy, options: { connections: number; pipelining?: number; headersTimeout?: number; bodyTimeout?: number; tls?: EndpointConfig['tls']; timeoutMs: number }): ProxyAgent {
  const { tls, timeoutMs, ...poolOptions } = options;
  return new ProxyAgent({
    ...poolOptions,
    uri: proxy.uri,
    ...(proxy.token ? { token: proxy.token } : {}),
    proxyTunnel: false,
    requestTls: { ...tls, timeout: timeoutMs },
    proxyTls: { timeout: timeoutMs },
    connect: { timeout: timeoutMs },
  });
}

/** What AbortController.abort() gives as its reason, so errors read as they did with an AbortSignal. */
function abortError(): DOMException {
  return new DOMException('This operation was aborted', 'AbortError');
}

function assertUsable(config: EndpointConfig): void {
  if (!Number.isFinite(config.timeoutMs) || config.timeoutMs <= 0) {
    throw new EndpointConfigError(`the timeout must be a positive number of milliseconds, not ${config.timeoutMs}`);
  }
  if (!Number.isInteger(config.connections) || config.connections < 1) {
    throw new EndpointConfigError(`connections must be a whole number of at least 1, not ${config.connections}`);
  }
  if (config.rateLimitPerSecond !== undefined && !(config.rateLimitPerSecond >= 0)) {
    throw new EndpointConfigError(`the rate limit must be 0 (none) or a positive number per second, not ${config.rateLimitPerSecond}`);
  }
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (typeof value !== 'string') throw new EndpointConfigError(`the header "${name}" must have a text value`);
  }
  const { auth } = config;
  if (auth.type === 'apiKey' && !auth.header.trim()) throw new EndpointConfigError('API key authentication needs a header name');
  if (auth.type === 'oauth2') {
    if (!auth.clientId) throw new EndpointConfigError('OAuth2 needs a client id');
    try {
      const tokenUrl = new URL(auth.tokenUrl);
      if (tokenUrl.protocol !== 'http:' && tokenUrl.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new EndpointConfigError(`the OAuth2 token URL "${auth.tokenUrl}" is not an http(s) URL`);
    }
  }
}
