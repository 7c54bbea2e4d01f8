import { InvalidRequestError } from '../../lib/errors';
import { batchFilterOf, getBatchDetail, type BatchDetail } from '../../lib/parking';
import { resendByKey, resendRequestOf, type ResendByKey } from '../../lib/resend';
import { cancelBatch, countBatches, listBatches, retryBatch, type BatchCounts, type BatchPage, type BatchRow, type Store } from '../../lib/store';

// The parking-lot node's admin actions: msg.topic names the action, msg.payload says what it is about.
// This is where a message is read; lib/ gets typed requests (a filter, an id, who asked and why).

const ADMIN_ACTIONS = ['list', 'get', 'retry', 'cancel', 'stats', 'resend'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export interface AdminRequest {
  /** msg.topic */
  action: string;
  /** msg.payload: the id, or the filter of list and stats. */
  payload: unknown;
  /** Who asked, for the audit trail of retry and cancel. */
  actor: string;
  /** Where a resend's replay files go for the row-processors to read. */
  processingFolder?: string;
  now?: number;
}

export type { BatchDetail };
export type AdminResult = BatchPage | BatchDetail | BatchRow | BatchCounts | ResendByKey;

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
      return listBatches(store, listFilterOf(payload));
    case 'get':
      return getBatchDetail(store, batchIdOf(action, payload));
    case 'retry':
      return retryBatch(store, { id: batchIdOf(action, payload), actor, reason: reasonOf(payload), now });
    case 'cancel':
      return cancelBatch(store, { id: batchIdOf(action, payload), actor, reason: reasonOf(payload), now });
    case 'stats':
      return countBatches(store, groupFilterOf(payload));
    case 'resend': {
      // The remote system lost records: their latest delivered versions, by source key, as replay batches.
      const asked = resendRequestOf(payload);
      if (!request.processingFolder) throw new InvalidRequestError('resend needs a processing folder to write its replay files into');
      return resendByKey(store, { ...asked, processingFolder: request.processingFolder, actor, now });
    }
  }
}

/** The batch an action is about: msg.payload.id, or msg.payload itself as a number. */
function batchIdOf(action: string, payload: unknown): number {
  const value = payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload) ? (payload as { id?: unknown }).id : payload;
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    const got = value === undefined ? 'nothing' : JSON.stringify(value);
    throw new InvalidRequestError(`${action} needs a batch id: put it in msg.payload.id or send msg.payload as the number (got ${got})`);
  }
  return id;
}

/** The list filter in msg.payload: nothing for every batch, else an object the filter reader checks. */
function listFilterOf(payload: unknown) {
  if (payload === undefined || payload === null || payload === '') return {};
  if (typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new InvalidRequestError('list takes its filter as an object in msg.payload: { status, groupType, groupId, limit, offset }');
  }
  return batchFilterOf(payload as Record<string, unknown>);
}

/** The stats filter: optionally one group type and group id. */
function groupFilterOf(payload: unknown): { groupType?: string; groupId?: string } {
  if (payload === null || typeof payload !== 'object' || Buffer.isBuffer(payload)) return {};
  const { groupType, groupId } = payload as Record<string, unknown>;
  return {
    ...(typeof groupType === 'string' && groupType !== '' ? { groupType } : {}),
    ...(typeof groupId === 'string' && groupId !== '' ? { groupId } : {}),
  };
}

/** An admin may say why (msg.payload.reason): it goes to the audit trail. */
function reasonOf(payload: unknown): string | undefined {
  const reason = payload !== null && typeof payload === 'object' ? (payload as { reason?: unknown }).reason : undefined;
  return typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : undefined;
}
