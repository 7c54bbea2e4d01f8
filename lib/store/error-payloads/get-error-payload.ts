import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import type { ErrorPayloadRow, EventRow } from '../tables';
import { fixStatistics, type FixStatistics } from './fix-statistics';
import { normalizeErrorPayload } from './normalize-error-payload';

export async function getErrorPayload(store: Store, id: number): Promise<ErrorPayloadRow> {
  const row = await store.knex(store.tables.errorPayload).where('id', id).first();
  if (!row) throw new NotFoundError('error payload', id);
  return normalizeErrorPayload(row);
}

export interface ErrorPayloadDetail {
  errorPayload: ErrorPayloadRow;
  /** Its audit trail, oldest first: from the row failing in its batch to every action taken on it since. */
  events: EventRow[];
  /** How far the fixing of its batch has come. */
  batchStatistics: FixStatistics;
}

/**
 * One error payload with its history. Every event names it by its id (see EVENT_ENTITIES); events written
 * before that rule named the row failing `<batch>:<row>`, and an audit trail is never rewritten, so both
 * are read here.
 */
export async function getErrorPayloadDetail(store: Store, id: number): Promise<ErrorPayloadDetail> {
  const errorPayload = await getErrorPayload(store, id);
  const rows = (await store
    .knex(store.tables.event)
    .where('entity', 'error_payload')
    .whereIn('entity_id', [String(errorPayload.id), `${errorPayload.batch_id}:${errorPayload.row_number}`])
    .orderBy('id', 'asc')) as EventRow[];
  const events = rows.map((row) => ({
    ...row,
    id: Number(row.id),
    batch_id: row.batch_id === null ? null : Number(row.batch_id),
    created_at: Number(row.created_at),
  }));
  const statistics = await fixStatistics(store, [errorPayload.batch_id]);
  return { errorPayload, events, batchStatistics: statistics.get(errorPayload.batch_id)! };
}
