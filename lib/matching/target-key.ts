import type { ApiResponse } from '../delivery/api-types';

/**
 * Where the downstream names the id of a record it created: the `Location` header (its last path
 * segment, e.g. `/contacts/81` → `81`), or an expression over the answer's body (JSONata in the node,
 * e.g. `id` or `data.contactId`).
 */
export type TargetKeySource =
  | { from: 'location' }
  | { from: 'body'; evaluate: (body: unknown) => Promise<unknown> };

/** A target key longer than this is refused, not cut: bsync_key_map keeps it whole. */
export const TARGET_KEY_MAX_LENGTH = 500;

export class TargetKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetKeyError';
  }
}

/**
 * The target key a create answer names, as text exactly as the downstream wrote it (a number id becomes its
 * decimal text, nothing else is converted). Throws a TargetKeyError saying what was missing.
 */
export async function readTargetKey(answer: { body: string; headers: ApiResponse['headers'] }, source: TargetKeySource): Promise<string> {
  const key = source.from === 'location' ? fromLocation(answer.headers) : await fromBody(answer.body, source.evaluate);
  if (key.length > TARGET_KEY_MAX_LENGTH) throw new TargetKeyError(`the target key in the answer is longer than ${TARGET_KEY_MAX_LENGTH} characters`);
  return key;
}

function fromLocation(headers: ApiResponse['headers']): string {
  const raw = headers.location ?? headers.Location;
  const location = Array.isArray(raw) ? raw[0] : raw;
  if (!location) throw new TargetKeyError('the answer has no Location header naming the created record');
  const path = location.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (!segment) throw new TargetKeyError(`the Location header "${location.slice(0, 200)}" names no record`);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function fromBody(body: string, evaluate: (body: unknown) => Promise<unknown>): Promise<string> {
  let parsed: unknown = body;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Not JSON: the expression sees the text.
  }
  const value = await evaluate(parsed);
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  throw new TargetKeyError(
    value === undefined || value === null || value === ''
      ? 'the target key expression found no id in the answer'
      : `the target key expression gave ${Array.isArray(value) ? 'a list' : typeof value}, not an id`,
  );
}
