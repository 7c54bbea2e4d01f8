import { InvalidRequestError, NotFoundError } from '../errors';
import { MAX_STORED_ID } from '../store/stored-id';

// Reading what an HTTP request gives: path ids, query strings and JSON bodies, as they are or refused in
// plain words. Nothing is trimmed, rounded or guessed.

type Fields = Record<string, unknown>;

/**
 * A path id (`/batches/12`): digits only, from 1. One above what the id columns hold names nothing (404),
 * rather than reaching the database as a number it cannot compare (PostgreSQL refuses it as out of range).
 */
export function pathId(entity: 'batch' | 'error payload', value: string | undefined): number {
  const id = typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) {
    const article = entity === 'error payload' ? 'an' : 'a';
    throw new InvalidRequestError(`${JSON.stringify(String(value ?? '').slice(0, 40))} is not ${article} ${entity} id: ids are whole numbers from 1`);
  }
  if (id > MAX_STORED_ID) throw new NotFoundError(entity, id);
  return id;
}

/** The query string, refused when it names a filter the route does not know (a typo would list everything). */
export function queryFields(query: Fields, allowed: readonly string[]): Fields {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw new InvalidRequestError(`unknown filter ${JSON.stringify(key.slice(0, 40))}: use ${allowed.join(', ')}`);
  }
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && typeof value === 'object' && !(key === 'status' && Array.isArray(value) && value.every((item) => typeof item === 'string'))) {
      throw new InvalidRequestError(`filter ${key} must be given once, as text`);
    }
  }
  return query;
}

/** A JSON object body; `required` false lets an empty body through as {}. */
export function bodyFields(body: unknown, what: string, required = true): Fields {
  if ((body === undefined || (isPlainObject(body) && Object.keys(body).length === 0)) && !required) return {};
  if (!isPlainObject(body)) throw new InvalidRequestError(`${what} takes a JSON object as its body (Content-Type: application/json)`);
  if (required && Object.keys(body).length === 0) throw new InvalidRequestError(`${what} takes a JSON object as its body (Content-Type: application/json); it was empty`);
  return body;
}

/** Refuses fields the action does not take, so a misspelt one is not silently ignored. */
export function onlyFields(fields: Fields, what: string, allowed: readonly string[]): Fields {
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) throw new InvalidRequestError(`${what} does not take ${JSON.stringify(key.slice(0, 40))}: it takes ${allowed.join(', ')}`);
  }
  return fields;
}

/** An optional text field, e.g. a reason: given as text or not at all. */
export function optionalText(fields: Fields, key: string, maxLength: number): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`${key} must be text`);
  if (value.length > maxLength) throw new InvalidRequestError(`${key} is longer than ${maxLength} characters`);
  return value.trim() === '' ? undefined : value;
}

function isPlainObject(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value);
}
