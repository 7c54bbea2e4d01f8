import type { Store } from '../open-store';
import { ERROR_PAYLOAD_STATUSES, type ErrorPayloadStatus } from '../tables';

/** Error payloads per status, over the whole store (every status present, 0 where there are none). */
export async function countErrorPayloads(store: Store): Promise<Record<ErrorPayloadStatus, number>> {
  const counts = Object.fromEntries(ERROR_PAYLOAD_STATUSES.map((status) => [status, 0])) as Record<ErrorPayloadStatus, number>;
  const rows = (await store.knex(store.tables.errorPayload).select('status').count({ count: '*' }).groupBy('status')) as {
    status: ErrorPayloadStatus;
    count: number | string;
  }[];
  for (const row of rows) if (row.status in counts) counts[row.status] = Number(row.count);
  return counts;
}
