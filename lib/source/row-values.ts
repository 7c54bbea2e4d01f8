import type { ColumnInfo } from './column-kinds';
import { mssqlTimeText } from './driver-types';
import { SourceQueryError } from './source-errors';

/**
 * One source row as JSON values that mean the same on every database: times as ISO 8601 text, decimals and
 * 64-bit integers as text (no float rounding of money), JSON columns as values, booleans as true/false
 * (where the column is known as one: see mysqlTypeCast and the SQLite declared type), nulls as null. Binary
 * values become base64 text. `kinds` is what the table declares (for SQLite and MariaDB, whose drivers do
 * not say); values of a saved query are taken as the driver gives them.
 */
export function toJsonRow(row: Record<string, unknown>, kinds: Map<string, ColumnInfo> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = toJsonValue(row[key], kinds?.get(key), key);
    // Defined, not assigned, for a column named "__proto__": it stays a plain field.
    if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function toJsonValue(value: unknown, info: ColumnInfo | undefined, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && (info?.serverText === 'local-time' || info?.serverText === 'utc-time')) {
    return mssqlTimeText(value, info.serverText === 'utc-time');
  }
  switch (info?.kind) {
    case 'json':
      if (typeof value === 'string') {
        try {
          return JSON.parse(value);
        } catch {
          throw new SourceQueryError(`column ${column} is declared JSON but holds text that is not JSON: ${value.slice(0, 80)}`);
        }
      }
      break;
    case 'bigint':
      if (typeof value === 'bigint' || typeof value === 'number') return String(value);
      break;
    case 'decimal':
      if (typeof value === 'bigint') return info.scale ? `${value}.${'0'.repeat(info.scale)}` : String(value);
      // SQLite keeps a decimal it can hold in 15 digits as REAL: show it with the declared scale.
      if (typeof value === 'number') return info.scale === undefined ? String(value) : value.toFixed(info.scale);
      break;
    case 'boolean':
      // 0 and 1 are the boolean's; anything else SQLite let in is kept as it is, not made true.
      if (value === 0n || value === 0) return false;
      if (value === 1n || value === 1) return true;
      break;
    default:
      break;
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}
