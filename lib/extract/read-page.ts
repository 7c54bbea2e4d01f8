import type { Knex } from 'knex';
import { describeError } from '../errors';
import type { ColumnInfo } from '../source/column-kinds';
import type { Source } from '../source/open-source';
import { SourceQueryError } from '../source/source-errors';
import { toJsonRow } from '../source/row-values';
import type { SourceClient } from '../source/source-config';
import type { ExtractFrom } from './extract-settings';
import { whereAfter } from './keyset';
import { streamRows } from './page-stream';
import { bindingValue } from './watermark-values';

/** Where a page starts: after a key position, at or after a first-column bound (lookback), or at the top. */
export type PageStart = { after: unknown[] } | { from: unknown } | undefined;

export interface PageRequest {
  from: ExtractFrom;
  keyColumns: string[];
  start: PageStart;
  limit: number;
  /** Saved query: the named bindings (the watermark values the run started from). */
  bindings: Record<string, unknown>;
  kinds?: Map<string, ColumnInfo>;
}

/**
 * One keyset page, in key order, as JSON rows, read through the driver's stream: each row is handed on as
 * it comes, and only the stream's buffer is held, never the page (let alone the whole result).
 */
export async function* readPage(source: Source, request: PageRequest): AsyncGenerator<Record<string, unknown>> {
  const rows = streamRows(source, buildPageQuery(source.knex, source.client, request));
  while (true) {
    let next: IteratorResult<Record<string, unknown>>;
    try {
      next = await rows.next();
    } catch (error) {
      throw describeQueryError(error, request.from);
    }
    if (next.done) return;
    yield toJsonRow(next.value, request.kinds);
  }
}

/** What a table or a saved query is read as: `bsync_source`, so the key columns are the table's own. */
const SOURCE_ALIAS = 'bsync_source';

/** The SQL of one keyset page: rows after the start, in key order, at most `limit` (TOP on SQL Server). */
export function buildPageQuery(knex: Knex, client: SourceClient, request: PageRequest): Knex.QueryBuilder {
  const query = baseQuery(knex, client, request);
  const { start } = request;
  // On SQL Server a selected column may be a conversion named like the column; ORDER BY would take that
  // name for the conversion (text order, no index), so the key columns are named by the table's alias.
  const keyColumns = client === 'mssql' && 'table' in request.from ? request.keyColumns.map((column) => `${SOURCE_ALIAS}.${column}`) : request.keyColumns;
  if (start && 'after' in start) whereAfter(query, keyColumns, start.after.map((value) => bindingValue(client, value)), client);
  else if (start) query.where(keyColumns[0], '>=', bindingValue(client, start.from) as Knex.Value);
  for (const column of keyColumns) query.orderBy(column, 'asc');
  return query.limit(request.limit);
}

function baseQuery(knex: Knex, client: SourceClient, request: PageRequest): Knex.QueryBuilder {
  const { from } = request;
  if ('query' in from) {
    // The user's SQL, with named bindings only, read as a subquery so it can be paged by its key columns.
    return knex.select('*').from(knex.raw(from.query, request.bindings as Knex.ValueDict).wrap('(', `) ${SOURCE_ALIAS}`));
  }
  if (client === 'mssql' && request.kinds) {
    const columns = from.columns ?? [...request.kinds.keys()];
    const query = knex.select(columns.map((column) => mssqlSelected(knex, column, request.kinds!.get(column)))).from(`${from.table.name} as ${SOURCE_ALIAS}`);
    if (from.table.schema) query.withSchema(from.table.schema);
    return query;
  }
  const query = knex.select(from.columns ?? '*').from(from.table.name);
  if (from.table.schema) query.withSchema(from.table.schema);
  return query;
}

/**
 * tedious reads decimals as JavaScript numbers (rounding money) and times as Dates (milliseconds, local
 * dates shifted): such columns are read as the server's exact text instead, named as the column.
 */
function mssqlSelected(knex: Knex, column: string, info: ColumnInfo | undefined): string | Knex.Raw {
  const qualified = `${SOURCE_ALIAS}.${column}`;
  switch (info?.serverText) {
    case 'decimal':
      return knex.raw('convert(varchar(50), ??) as ??', [qualified, column]);
    case 'money':
      // Style 2: all four decimals of money, no thousands separators.
      return knex.raw('convert(varchar(30), ??, 2) as ??', [qualified, column]);
    case 'local-time':
      return knex.raw('convert(varchar(27), ??, 126) as ??', [qualified, column]);
    case 'utc-time':
      return knex.raw("convert(varchar(27), convert(datetime2(7), switchoffset(??, '+00:00')), 126) as ??", [qualified, column]);
    case 'date':
      return knex.raw('convert(varchar(10), ??, 23) as ??', [qualified, column]);
    default:
      return qualified;
  }
}

/** A query the source refused: said plainly, with the driver's words. Connection problems pass through. */
function describeQueryError(error: unknown, from: ExtractFrom): unknown {
  const message = describeError(error);
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Connection lost|Timeout acquiring|closed state/i.test(message)) return error;
  const what = 'query' in from ? 'the saved query' : 'the extract query';
  return new SourceQueryError(`the source refused ${what}: ${message}`, error);
}
