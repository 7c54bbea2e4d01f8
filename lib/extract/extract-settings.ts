import { InvalidRequestError } from '../errors';
import { parseColumnList, parseQualifiedName, type QualifiedName } from '../source/identifiers';

export type ExtractMode = 'incremental' | 'full';

/** What an extract reads: a table or view (all or some columns), or the user's saved query. */
export type ExtractFrom = { table: QualifiedName; columns?: string[] } | { query: string };

export interface ExtractSettings {
  /** Unique per batch store: the key of its watermark. */
  name: string;
  from: ExtractFrom;
  mode: ExtractMode;
  /**
   * The order of the rows, and in incremental mode the watermark: e.g. ["updated_at", "id"]. The last one
   * should be unique (the primary key), so rows that share an updated_at are never skipped at a page edge.
   */
  keyColumns: string[];
  /** Incremental: re-read rows whose first key column is within this many seconds before the watermark. */
  lookbackSeconds: number;
  rowsPerBatch: number;
  pageSize: number;
  groupType: string;
  groupId?: string;
  /** The processing folder the batch files are written to. */
  folder: string;
}

export const DEFAULT_ROWS_PER_BATCH = 100_000;
export const DEFAULT_PAGE_SIZE = 5_000;
const MAX_PAGE_SIZE = 50_000;
const MAX_QUERY_LENGTH = 100_000;

export interface ExtractSettingsInput {
  name?: unknown;
  table?: unknown;
  columns?: unknown;
  query?: unknown;
  mode?: unknown;
  keyColumns?: unknown;
  lookbackSeconds?: unknown;
  rowsPerBatch?: unknown;
  pageSize?: unknown;
  groupType?: unknown;
  groupId?: unknown;
  folder?: unknown;
}

/** Checks an extract's settings and says in plain words what is wrong; nothing is guessed or trimmed. */
export function parseExtractSettings(input: ExtractSettingsInput): ExtractSettings {
  const name = requiredText(input.name, 'the extract name', 200);
  const groupType = requiredText(input.groupType, 'the group type', 100);
  const groupId = input.groupId === undefined || input.groupId === null || input.groupId === '' ? undefined : requiredText(input.groupId, 'the group id', 100);
  const folder = requiredText(input.folder, 'the processing folder', 1024);
  const mode = input.mode ?? 'incremental';
  if (mode !== 'incremental' && mode !== 'full') throw new InvalidRequestError(`the mode must be "incremental" or "full", not ${JSON.stringify(mode)}`);

  let from: ExtractFrom;
  const hasQuery = typeof input.query === 'string' && input.query.trim() !== '';
  const hasTable = typeof input.table === 'string' && input.table !== '';
  if (hasQuery === hasTable) throw new InvalidRequestError('give either a table (or view) or a saved query, not both and not neither');
  if (hasQuery) {
    const query = input.query as string;
    if (query.length > MAX_QUERY_LENGTH) throw new InvalidRequestError(`the saved query is ${query.length} characters long, at most ${MAX_QUERY_LENGTH}`);
    if (/;\s*$/.test(query)) throw new InvalidRequestError('the saved query must be one SELECT without a closing ";" (it is read in pages, as a subquery)');
    from = { query };
  } else {
    const table = parseQualifiedName(input.table, 'the table name');
    const columns = input.columns === undefined || input.columns === '' || (Array.isArray(input.columns) && input.columns.length === 0) ? undefined : parseColumnList(input.columns, 'the column list');
    from = { table, columns };
  }

  const keyColumns = parseColumnList(input.keyColumns ?? [], mode === 'incremental' ? 'the watermark columns' : 'the order columns');
  if (keyColumns.length === 0) {
    throw new InvalidRequestError(
      mode === 'incremental'
        ? 'an incremental extract needs watermark columns, e.g. updated_at,id (the primary key last)'
        : 'a full extract needs the order columns it is read in pages by, e.g. the primary key',
    );
  }
  if ('table' in from && from.columns) {
    const missing = keyColumns.filter((column) => !from.columns!.includes(column));
    if (missing.length > 0) throw new InvalidRequestError(`the column list must include the ${mode === 'incremental' ? 'watermark' : 'order'} columns; it lacks ${missing.join(', ')}`);
  }
  const lookbackSeconds = wholeNumber(input.lookbackSeconds, 'the lookback', 0, 0, 366 * 24 * 3600);
  if (lookbackSeconds > 0 && mode === 'full') throw new InvalidRequestError('a lookback needs an incremental extract: a full extract reads every row anyway');
  return {
    name,
    from,
    mode,
    keyColumns,
    lookbackSeconds,
    rowsPerBatch: wholeNumber(input.rowsPerBatch, 'the rows per batch', DEFAULT_ROWS_PER_BATCH, 1, 10_000_000),
    pageSize: wholeNumber(input.pageSize, 'the page size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    groupType,
    groupId,
    folder,
  };
}

function requiredText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value === '') throw new InvalidRequestError(`${what} is missing`);
  if (value.length > max) throw new InvalidRequestError(`${what} is ${value.length} characters long, at most ${max}`);
  return value;
}

function wholeNumber(value: unknown, what: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new InvalidRequestError(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}
