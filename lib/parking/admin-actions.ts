import { InvalidRequestError } from '../errors';
import {
  cancelBatch,
  countBatches,
  getBatch,
  listBatches,
  listEvents,
  retryBatch,
  type BatchCounts,
  type BatchPage,
  type BatchRow,
  type EventRow,
  type Store,
} from '../store';
import { batchFilterOf, batchIdOf, groupFilterOf } from './admin-request';

const ADMIN_ACTIONS = ['list', 'get', 'retry', 'cancel', 'stats'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export interface AdminRequest {
  /** msg.topic */
  action: string;
  /** msg.payload: the id, or the filter of list and stats. */
  payload: unknown;
  /** Who asked, for the audit trail of retry and cancel. */
  actor: string;
  now?: number;
}

export interface BatchDetail {
  batch: BatchRow;
  /** Its audit trail, oldest first. */
  events: EventRow[];
}

export type AdminResult = BatchPage | BatchDetail | BatchRow | BatchCounts;

function isAdminAction(action: string): action is AdminAction {
  return (ADMIN_ACTIONS as readonly string[]).includes(action);
}

/**
 * Answers an admin action on the parking lot. Reads (list, get, stats) change nothing; retry and cancel
 * change the batch and record who asked, in the same transaction.
 */
export async function runAdminAction(store: Store, request: AdminRequest): Promise<AdminResult> {
  const { action, payload, actor, now } = request;
  if (!isAdminAction(action)) {
    throw new InvalidRequestError(
      `unknown action ${JSON.stringify(action)}: msg.topic must be empty or park (to park msg.payload), or one of ${ADMIN_ACTIONS.join(', ')}`,
    );
  }
  switch (action) {
    case 'list':
      return listBatches(store, batchFilterOf(payload));
    case 'get': {
      const batch = await getBatch(store, batchIdOf(action, payload));
      return { batch, events: await listEvents(store, { entity: 'batch', entityId: batch.id }) };
    }
    case 'retry':
      return retryBatch(store, { id: batchIdOf(action, payload), actor, reason: reasonOf(payload), now });
    case 'cancel':
      return cancelBatch(store, { id: batchIdOf(action, payload), actor, reason: reasonOf(payload), now });
    case 'stats':
      return countBatches(store, groupFilterOf(payload));
  }
}

/** An admin may say why (msg.payload.reason): it goes to the audit trail. */
function reasonOf(payload: unknown): string | undefined {
  const reason = payload !== null && typeof payload === 'object' ? (payload as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : undefined;
}
