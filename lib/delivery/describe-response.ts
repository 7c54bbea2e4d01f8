// Plain words for what a downstream answered: status, and its own error code and message when the
// body is JSON that carries them, so an admin reading an error payload knows what the API said.
import { STATUS_CODES } from 'node:http';

export const MAX_DETAIL_BYTES = 2048;

const CODE_FIELDS = ['errorCode', 'error_code', 'code', 'error', 'errorType', 'type'];
const MESSAGE_FIELDS = ['message', 'errorMessage', 'error_message', 'error_description', 'detail', 'title', 'description', 'reason'];

export interface DownstreamError {
  code?: string;
  message?: string;
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The error code and message a JSON body carries, at its top level, under `error` or in `errors[0]`. */
export function downstreamError(body: unknown): DownstreamError {
  const found: DownstreamError = {};
  for (const source of errorSources(body)) {
    found.code ??= firstText(source, CODE_FIELDS);
    found.message ??= firstText(source, MESSAGE_FIELDS);
  }
  if (found.code && found.code === found.message) delete found.message;
  return found;
}

function errorSources(body: unknown): Record<string, unknown>[] {
  if (!isRecord(body)) return [];
  const sources = [body];
  if (isRecord(body.error)) sources.push(body.error);
  if (Array.isArray(body.errors) && isRecord(body.errors[0])) sources.push(body.errors[0]);
  return sources;
}

function firstText(source: Record<string, unknown>, fields: string[]): string | undefined {
  for (const field of fields) {
    const value = source[field];
    if ((typeof value === 'string' && value.trim()) || typeof value === 'number') return String(value).trim();
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `HTTP ${status} ${reason}` : `HTTP ${status}`;
}

/** `HTTP 422 Unprocessable Entity: E42 IBAN is invalid` */
export function describeAnswer(status: number, said: DownstreamError): string {
  const words = [said.code, said.message].filter(Boolean).join(' ');
  return words ? `${statusLine(status)}: ${words}` : statusLine(status);
}

/** The start of a response body for the `error_detail` column; undefined when there is nothing to show. */
export function bodyExcerpt(body: string, maxBytes = MAX_DETAIL_BYTES): string | undefined {
  if (!body.trim()) return undefined;
  const bytes = Buffer.from(body, 'utf8');
  if (bytes.byteLength <= maxBytes) return body;
  // A cut through a multi-byte character decodes to U+FFFD: drop it rather than show garbage.
  return `${bytes.subarray(0, maxBytes - 3).toString('utf8').replace(/\uFFFD+$/, '')}…`;
}
