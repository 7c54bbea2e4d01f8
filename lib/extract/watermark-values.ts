import { InvalidRequestError } from '../errors';
import type { SourceClient } from '../source/source-config';

/**
 * A stored watermark value as a query binding. Values are stored as the extract wrote them (ISO 8601 times,
 * decimals and big integers as text), which pg and SQLite compare as they are; MySQL wants its own
 * 'YYYY-MM-DD HH:MM:SS.ffffff' for a time.
 */
export function bindingValue(client: SourceClient, value: unknown): unknown {
  if (client === 'mysql' && typeof value === 'string') {
    const match = ISO_TIME.exec(value);
    if (match) return `${match[1]} ${match[2]}${match[3] ?? ''}`;
  }
  if (client === 'mssql' && typeof value === 'string' && ISO_TIME.test(value)) return value.replace(/Z$/, '');
  return value;
}

const ISO_TIME = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;

/**
 * The lower bound of a lookback: `seconds` before a time value, written the way the value is (so text
 * times in SQLite compare as text does). A bound a little early reads a row twice, never skips one.
 */
export function lookbackBound(value: unknown, seconds: number, column: string): unknown {
  const match = typeof value === 'string' ? ISO_TIME.exec(value) : null;
  if (!match) {
    throw new InvalidRequestError(`a lookback needs a date and time as the first watermark column; ${column} holds ${JSON.stringify(value)}`);
  }
  const [, date, time, , zone] = match;
  if (zone !== undefined && zone !== 'Z') {
    throw new InvalidRequestError(`a lookback needs times in UTC or without an offset; ${column} holds ${JSON.stringify(value)}`);
  }
  const parsed = Date.parse(`${date}T${time}Z`);
  if (Number.isNaN(parsed)) throw new InvalidRequestError(`the watermark ${column} ${JSON.stringify(value)} is not a time that can be read`);
  // Whole seconds: dropping the fraction moves the bound earlier, which is safe.
  const iso = new Date(parsed - seconds * 1000).toISOString();
  return `${iso.slice(0, 10)}${(value as string).charAt(10)}${iso.slice(11, 19)}${zone ?? ''}`;
}
