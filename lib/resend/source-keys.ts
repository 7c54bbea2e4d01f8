import { InvalidRequestError } from '../errors';

/** At most this many keys in one request: the answer names each, and each is looked up and read. */
export const MAX_RESEND_KEYS = 10_000;
/** bsync_key_map.source_key holds at most 500 characters: a longer key cannot be in it. */
const MAX_SOURCE_KEY_CHARS = 500;
/** Up to this many key columns, the columns may be given in any order (4! = 24 spellings looked up). */
const MAX_REORDERED_COLUMNS = 4;

export interface RequestedKey {
  /** The key as asked for: the key column values, in the caller's order. */
  values: Record<string, unknown>;
  /** The JSON texts the key map may hold it as (the columns in every order), the caller's order first. */
  spellings: string[];
}

/**
 * The source keys of a resend request. Each is an object of the key column values exactly as the batch
 * file had them (`{"customerNo":"C-007"}`; a CSV value is text, a JSON Lines value keeps its type), or,
 * when the request names its one key column, the plain value (`"C-007"` with keyColumn `customerNo`).
 * Nothing is converted: `7` and `"7"` are different keys, as they were different values in the file.
 */
export function requestedKeys(sourceKeys: unknown, keyColumn?: string): RequestedKey[] {
  if (!Array.isArray(sourceKeys) || sourceKeys.length === 0) {
    throw new InvalidRequestError('resend needs sourceKeys: a list of source keys, e.g. [{"customerNo":"C-007"}] (or plain values with keyColumn)');
  }
  if (sourceKeys.length > MAX_RESEND_KEYS) {
    throw new InvalidRequestError(`resend takes at most ${MAX_RESEND_KEYS} source keys at once, not ${sourceKeys.length}: send them in parts`);
  }
  if (keyColumn !== undefined && (typeof keyColumn !== 'string' || keyColumn === '')) {
    throw new InvalidRequestError(`keyColumn must be the name of the one key column, not ${shown(keyColumn)}`);
  }
  return sourceKeys.map((key, index) => requestedKey(key, index, keyColumn));
}

function requestedKey(key: unknown, index: number, keyColumn: string | undefined): RequestedKey {
  let values: Record<string, unknown>;
  if (isPlainValue(key)) {
    if (keyColumn === undefined) {
      throw new InvalidRequestError(`source key ${index + 1} is the plain value ${shown(key)}: give it as an object of its key columns ({"customerNo": …}) or name the key column in keyColumn`);
    }
    values = { [keyColumn]: key };
  } else if (key !== null && typeof key === 'object' && !Array.isArray(key) && !Buffer.isBuffer(key) && Object.keys(key).length > 0) {
    values = key as Record<string, unknown>;
  } else {
    throw new InvalidRequestError(`source key ${index + 1} must be an object of key column values, e.g. {"customerNo":"C-007"} (got ${shown(key)})`);
  }
  const text = JSON.stringify(values);
  if (text.length > MAX_SOURCE_KEY_CHARS) {
    throw new InvalidRequestError(`source key ${index + 1} is ${text.length} characters as JSON; a stored source key has at most ${MAX_SOURCE_KEY_CHARS}`);
  }
  return { values, spellings: spellingsOf(values) };
}

/** A value quoted in a refusal, cut short: a request can hold anything, of any length. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function isPlainValue(key: unknown): key is string | number | boolean {
  return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)) || typeof key === 'boolean';
}

/** The key map writes the columns in the configured order, which the remote system need not know. */
function spellingsOf(values: Record<string, unknown>): string[] {
  const columns = Object.keys(values);
  if (columns.length > MAX_REORDERED_COLUMNS) return [JSON.stringify(values)];
  const spellings = new Set<string>();
  for (const order of permutations(columns)) spellings.add(JSON.stringify(Object.fromEntries(order.map((column) => [column, values[column]]))));
  return [...spellings];
}

function permutations(items: string[]): string[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** True when a row read from the file has exactly these key values (compared as JSON, types and all). */
export function rowHasKey(record: Record<string, unknown>, values: Record<string, unknown>): boolean {
  return Object.keys(values).every((column) => Object.hasOwn(record, column) && JSON.stringify(record[column]) === JSON.stringify(values[column]));
}
