import type { Store } from '../open-store';
import type { ErrorPayloadRow } from '../tables';
import { MAX_PAGE_SIZE } from '../batches/list-batches';
import { applyErrorPayloadFilter, type ErrorPayloadFilter } from './error-payload-filter';
import { normalizeErrorPayload } from './normalize-error-payload';

export interface ErrorPayloadListFilter extends ErrorPayloadFilter {
  limit?: number;
  offset?: number;
}

export interface ErrorPayloadPage {
  errorPayloads: ErrorPayloadRow[];
  total: number;
  limit: number;
  offset: number;
}

/** Error payloads in the order they failed (batch, then row), with the total count for paging. */
export async function listErrorPayloads(store: Store, filter: ErrorPayloadListFilter = {}): Promise<ErrorPayloadPage> {
  const limit = Math.max(1, Math.min(filter.limit ?? 100, MAX_PAGE_SIZE));
  const offset = Math.max(0, filter.offset ?? 0);
  const base = applyErrorPayloadFilter(store.knex(store.tables.errorPayload), filter);
  const [{ total }] = await base.clone().count({ total: '*' });
  const rows = (await base.clone().select('*').orderBy([{ column: 'batch_id' }, { column: 'row_number' }]).limit(limit).offset(offset)) as Record<
    string,
    unknown
  >[];
  return { errorPayloads: rows.map(normalizeErrorPayload), total: Number(total), limit, offset };
}
