import type { Knex } from 'knex';
import { ERROR_PAYLOAD_STATUSES, type ErrorKind, type ErrorPayloadStatus } from '../tables';

/** Which error payloads a list or a bulk action is about; every field narrows the selection. */
export interface ErrorPayloadFilter {
  batchId?: number;
  status?: ErrorPayloadStatus | readonly ErrorPayloadStatus[];
  groupType?: string;
  groupId?: string;
  errorKind?: ErrorKind;
}

/** Error payloads still waiting for an outcome: counted as open by the statistics. */
export const OPEN_ERROR_PAYLOAD_STATUSES: readonly ErrorPayloadStatus[] = ['NEW', 'READY', 'RESUBMITTED'];

export function applyErrorPayloadFilter<Q extends Knex.QueryBuilder>(query: Q, filter: ErrorPayloadFilter): Q {
  if (filter.batchId !== undefined) query.where('batch_id', filter.batchId);
  if (filter.status !== undefined) {
    const statuses = (typeof filter.status === 'string' ? [filter.status] : filter.status) as ErrorPayloadStatus[];
    query.whereIn('status', statuses.filter((status) => (ERROR_PAYLOAD_STATUSES as readonly string[]).includes(status)));
  }
  if (filter.groupType !== undefined) query.where('group_type', filter.groupType);
  if (filter.groupId !== undefined) query.where('group_id', filter.groupId);
  if (filter.errorKind !== undefined) query.where('error_kind', filter.errorKind);
  return query;
}

/** True when the filter selects something narrower than "every error payload". */
export function isNarrowFilter(filter: ErrorPayloadFilter): boolean {
  return filter.batchId !== undefined || filter.groupType !== undefined || filter.groupId !== undefined || filter.errorKind !== undefined;
}
