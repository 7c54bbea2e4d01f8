import type { Knex } from 'knex';
import type { SourceClient } from './source-config';
import { formatQualifiedName, type QualifiedName } from './identifiers';
import { SourceQueryError } from './source-errors';

/**
 * What a column's values need so that they come out the same on every database. pg and mysql2 already
 * hand over the right form; SQLite and MariaDB do not say what a column is, only its declared type does.
 */
export type ColumnKind = 'json' | 'bigint' | 'integer' | 'decimal' | 'boolean' | 'other';

export interface ColumnInfo {
  kind: ColumnKind;
  /** decimal(p, s): s, to show a number SQLite stored as REAL with its digits. */
  scale?: number;
  /**
   * SQL Server: read the column as the server's text, since tedious would round it (decimal, money) or
   * cut it to milliseconds (times); 'utc-time' is a datetimeoffset, written in UTC with Z.
   */
  serverText?: 'decimal' | 'money' | 'local-time' | 'utc-time' | 'date';
}

/** The columns of a table or view, by name; SourceQueryError when it does not exist (or is not visible). */
export async function lookupColumns(knex: Knex, client: SourceClient, table: QualifiedName): Promise<Map<string, ColumnInfo>> {
  const columns = new Map<string, ColumnInfo>();
  for (const row of await columnRows(knex, client, table)) columns.set(row.name, kindOf(row.type, client));
  if (columns.size === 0) {
    throw new SourceQueryError(`the table or view ${formatQualifiedName(table)} does not exist in the source database (or this user may not read it)`);
  }
  if (client === 'mysql') {
    for (const name of await mariaDbJsonColumns(knex, table)) columns.set(name, { kind: 'json' });
  }
  return columns;
}

async function columnRows(knex: Knex, client: SourceClient, table: QualifiedName): Promise<{ name: string; type: string }[]> {
  const schema = table.schema ?? null;
  switch (client) {
    case 'sqlite': {
      const rows = schema
        ? await knex.raw('select name, type from pragma_table_info(?, ?)', [table.name, schema])
        : await knex.raw('select name, type from pragma_table_info(?)', [table.name]);
      return (rows as { name: string; type: string }[]).map((row) => ({ name: row.name, type: row.type ?? '' }));
    }
    case 'pg': {
      const result = await knex.raw(
        'select column_name as name, data_type as type from information_schema.columns where table_schema = coalesce(?, current_schema()) and table_name = ? order by ordinal_position',
        [schema, table.name],
      );
      return result.rows as { name: string; type: string }[];
    }
    case 'mysql': {
      const [rows] = await knex.raw(
        'select COLUMN_NAME as name, COLUMN_TYPE as type from information_schema.COLUMNS where TABLE_SCHEMA = coalesce(?, database()) and TABLE_NAME = ? order by ORDINAL_POSITION',
        [schema, table.name],
      );
      return rows as { name: string; type: string }[];
    }
    case 'mssql': {
      const rows = await knex.raw(
        'select COLUMN_NAME as name, DATA_TYPE as type from INFORMATION_SCHEMA.COLUMNS where TABLE_SCHEMA = coalesce(?, schema_name()) and TABLE_NAME = ? order by ORDINAL_POSITION',
        [schema, table.name],
      );
      return rows as { name: string; type: string }[];
    }
  }
}

/** MariaDB's JSON is LONGTEXT with a json_valid check: the check tells which columns hold JSON. */
async function mariaDbJsonColumns(knex: Knex, table: QualifiedName): Promise<string[]> {
  const [rows] = await knex.raw(
    "select CONSTRAINT_NAME as name, CHECK_CLAUSE as clause from information_schema.CHECK_CONSTRAINTS where CONSTRAINT_SCHEMA = coalesce(?, database()) and TABLE_NAME = ? and CHECK_CLAUSE like 'json_valid(%'",
    [table.schema ?? null, table.name],
  ).catch(() => [[]]);
  return (rows as { name: string; clause: string }[])
    .map((row) => /^json_valid\(`([^`]+)`\)$/.exec(row.clause)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** What a column of this declared type (DATA_TYPE on SQL Server) needs, on this database. */
export function kindOf(declared: string, client: SourceClient): ColumnInfo {
  const type = declared.toLowerCase();
  if (client === 'mssql') {
    const serverText = MSSQL_SERVER_TEXT[type];
    if (serverText) return { kind: serverText === 'decimal' || serverText === 'money' ? 'decimal' : 'other', serverText };
    if (type === 'bigint') return { kind: 'bigint' };
    return { kind: type === 'json' ? 'json' : 'other' };
  }
  if (/^json/.test(type)) return { kind: 'json' };
  if (/bigint|int8/.test(type)) return { kind: 'bigint' };
  const decimal = /^(decimal|numeric)\s*(?:\(\s*\d+\s*(?:,\s*(\d+)\s*)?\))?/.exec(type);
  if (decimal) return { kind: 'decimal', scale: decimal[2] === undefined ? undefined : Number(decimal[2]) };
  // SQLite has no boolean: a column declared BOOLEAN holds 0 and 1, which only its declaration makes one.
  if (client === 'sqlite' && /^bool/.test(type)) return { kind: 'boolean' };
  if (client === 'sqlite' && /int/.test(type)) return { kind: 'integer' };
  return { kind: 'other' };
}

/** SQL Server's DATA_TYPE names whose values tedious would change. */
const MSSQL_SERVER_TEXT: Record<string, ColumnInfo['serverText']> = {
  decimal: 'decimal',
  numeric: 'decimal',
  money: 'money',
  smallmoney: 'money',
  datetime2: 'local-time',
  datetime: 'local-time',
  smalldatetime: 'local-time',
  datetimeoffset: 'utc-time',
  date: 'date',
};

/** The named columns that the table lacks, if any, as one clear refusal. */
export function assertColumnsExist(columns: Map<string, ColumnInfo>, wanted: string[], table: QualifiedName, what: string): void {
  const missing = wanted.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new SourceQueryError(
      `${what} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist in ${formatQualifiedName(table)} (its columns: ${[...columns.keys()].join(', ')})`,
    );
  }
}
