import type { Knex } from 'knex';
import { describeError } from '../errors';
import type { ColumnInfo } from '../source/column-kinds';
import type { Source } from '../source/open-source';
import { SourceQueryError } from '../source/source-errors';
import { toJsonRow } from '../source/row-values';
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
  const { knex, client } = source;
  const query = baseQuery(knex, request);
  const { start, keyColumns } = request;
  if (start && 'after' in start) whereAfter(query, keyColumns, start.after.map((value) => bindingValue(client, value)), client);
  else if (start) query.where(keyColumns[0], '>=', bindingValue(client, start.from) as Knex.Value);
  for (const column of keyColumns) query.orderBy(column, 'asc');
  query.limit(request.limit);
  const rows = streamRows(source, query);
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

function baseQuery(knex: Knex, request: PageRequest): Knex.QueryBuilder {
  const { from } = request;
  if ('query' in from) {
    // The user's SQL, with named bindings only, read as a subquery so it can be paged by its key columns.
    return knex.select('*').from(knex.raw(from.query, request.bindings as Knex.ValueDict).wrap('(', ') bsync_source'));
  }
  const query = knex.select(from.columns ?? '*').from(from.table.name);
  if (from.table.schema) query.withSchema(from.table.schema);
  return query;
}

/** A query the source refused: said plainly, with the driver's words. Connection problems pass through. */
function describeQueryError(error: unknown, from: ExtractFrom): unknown {
  const message = describeError(error);
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated|Connection lost|Timeout acquiring|closed state/i.test(message)) return error;
  const what = 'query' in from ? 'the saved query' : 'the extract query';
  return new SourceQueryError(`the source refused ${what}: ${message}`, error);
}
