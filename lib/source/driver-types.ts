// How each driver hands over the values whose JavaScript form would lose something (time zones,
// microseconds, decimals, 64-bit integers): as the server's exact text, turned into ISO 8601 where it is a time.
// A time's fraction of a second is written without trailing zeros (as pg does), so the same instant reads
// the same from every database, whatever precision its column has: 10:05:00.250000 -> 10:05:00.25.

function trimFraction(fraction: string | undefined): string {
  if (!fraction) return '';
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed === '.' ? '' : trimmed;
}

/** pg: '2026-03-29 01:30:00.123456+00' (session TimeZone is UTC) -> '2026-03-29T01:30:00.123456Z'. */
export function pgTimestampTz(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?\+00$/.exec(text);
  return match ? `${match[1]}T${match[2]}${trimFraction(match[3])}Z` : text;
}

/** pg timestamp without time zone and MySQL DATETIME: the wall-clock time, ISO 8601 without an offset. */
export function localTimestamp(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?$/.exec(text);
  return match ? `${match[1]}T${match[2]}${trimFraction(match[3])}` : text;
}

/** MySQL TIMESTAMP, read with the session time zone at +00:00: UTC, so ISO 8601 with Z. */
export function mysqlTimestamp(text: string): string {
  const local = localTimestamp(text);
  return local === text ? text : `${local}Z`;
}

/**
 * SQL Server's convert(varchar, time, 126): '2026-03-29T01:30:00.1234560' -> '2026-03-29T01:30:00.123456',
 * with Z where it was a datetimeoffset switched to UTC.
 */
export function mssqlTimeText(text: string, utc: boolean): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?$/.exec(text);
  return match ? `${match[1]}T${match[2]}${trimFraction(match[3])}${utc ? 'Z' : ''}` : text;
}

const PG_OIDS = { date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

/**
 * pg's type parsers for one pool: times kept as exact text in ISO 8601 (pg would make a Date, dropping
 * microseconds and, for a date, shifting it by the local time zone). numeric and int8 stay text, json and
 * jsonb are parsed: pg's defaults.
 */
export function pgTypes(defaults: { getTypeParser(oid: number, format?: string): unknown }): { getTypeParser(oid: number, format?: string): unknown } {
  return {
    getTypeParser(oid: number, format?: string) {
      if (format !== 'binary') {
        if (oid === PG_OIDS.timestamptz) return pgTimestampTz;
        if (oid === PG_OIDS.timestamp) return localTimestamp;
        if (oid === PG_OIDS.date) return (text: string) => text;
      }
      return defaults.getTypeParser(oid, format);
    },
  };
}

interface MysqlField {
  type: string;
  /** The display width: 1 for tinyint(1) (what BOOLEAN is on MySQL and MariaDB) and for bit(1). */
  length: number;
  string(): string | null;
  buffer(): Buffer | null;
}

/**
 * mysql2: TIMESTAMP, DATETIME and DATE as exact text in ISO 8601; BOOLEAN (tinyint(1)) and bit(1) as
 * true/false, like PostgreSQL's boolean; everything else as mysql2 reads it.
 */
export function mysqlTypeCast(field: MysqlField, next: () => unknown): unknown {
  if (field.type === 'TINY' && field.length === 1) {
    const text = field.string();
    if (text === null) return null;
    // A tinyint(1) may hold any number from -128 to 127: only 0 and 1 are a boolean's; others stay as they are.
    return text === '1' ? true : text === '0' ? false : Number(text);
  }
  if (field.type === 'BIT' && field.length === 1) {
    const bits = field.buffer();
    return bits === null ? null : bits[0] === 1;
  }
  if (field.type === 'TIMESTAMP' || field.type === 'DATETIME' || field.type === 'DATE') {
    const text = field.string();
    if (text === null) return null;
    if (field.type === 'TIMESTAMP') return mysqlTimestamp(text);
    return field.type === 'DATETIME' ? localTimestamp(text) : text;
  }
  return next();
}
