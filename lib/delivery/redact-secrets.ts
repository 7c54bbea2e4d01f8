// What an endpoint must never let out: its configured secrets, and what is made of them (the basic
// credential, OAuth2 access tokens), however a downstream echoes them back, raw, URL- or JSON-encoded.
import type { EndpointAuth } from './api-types';

export const REDACTED = '[redacted]';

/** Access tokens handed out over a client's life are kept this many at a time (the newest). */
const MAX_TOKENS = 8;

/** The spellings of one secret that an echo may carry: as is, URL-encoded, form-encoded, JSON-escaped. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  // Twice escaped: a JSON answer that quotes the request headers as a JSON text.
  const jsonInJson = JSON.stringify(json).slice(1, -1);
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), json, json.replaceAll('/', '\\/'), jsonInJson];
}

export function base64Credential(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** The secrets of an auth setting: what is typed into the credentials, and the basic credential made of it. */
export function secretsOfAuth(auth: EndpointAuth): string[] {
  switch (auth.type) {
    case 'basic':
      return [auth.password, base64Credential(auth.username, auth.password)];
    case 'bearer':
      return [auth.token];
    case 'apiKey':
      return [auth.value];
    case 'oauth2':
      // RFC 6749 2.3.1: id and secret are form-encoded before they go into the basic credential.
      return [auth.clientSecret, base64Credential(encodeURIComponent(auth.clientId), encodeURIComponent(auth.clientSecret))];
    case 'none':
      return [];
  }
}

/**
 * Replaces every known secret in a text with [redacted]. The ApiClient runs every answer and every error
 * through it, so what leaves lib/delivery (outcomes, errors, response bodies and headers) is clean before
 * it reaches an error payload, an event, a node output, a status or a log.
 */
export class SecretRedactor {
  private fixed: string[];
  private tokens: string[] = [];
  private all: string[];

  constructor(secrets: Iterable<string>) {
    this.fixed = unique([...secrets].flatMap((secret) => (secret ? spellings(secret) : [])));
    this.all = this.fixed;
  }

  /** A secret learnt at run time (an OAuth2 access token): redacted from now on. */
  addToken(token: string): void {
    if (!token || this.tokens.includes(token)) return;
    this.tokens = [token, ...this.tokens].slice(0, MAX_TOKENS);
    this.all = unique([...this.fixed, ...this.tokens.flatMap(spellings)]);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.all) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    return result;
  }

  redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
    if (this.all.length === 0) return headers;
    const clean: Record<string, string | string[] | undefined> = {};
    for (const [name, value] of Object.entries(headers)) clean[name] = Array.isArray(value) ? value.map((item) => this.redact(item)) : value === undefined ? value : this.redact(value);
    return clean;
  }

  /** The same error with its message, stack (and a token error's detail) redacted; other fields are kept. */
  redactError<T>(error: T): T {
    if (!(error instanceof Error) || this.all.length === 0) return error;
    const writable = error as Error & { detail?: unknown };
    writable.message = this.redact(error.message);
    // Node-RED puts the stack into msg.error and the log: it repeats the message.
    if (typeof writable.stack === 'string') writable.stack = this.redact(writable.stack);
    if (typeof writable.detail === 'string') writable.detail = this.redact(writable.detail);
    return error;
  }
}

/** Longest first, so a secret that contains another is replaced whole. */
function unique(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ''))].sort((a, b) => b.length - a.length);
}
