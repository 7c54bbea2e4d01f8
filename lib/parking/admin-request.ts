import { InvalidRequestError } from '../errors';
import { BATCH_STATUSES, MAX_PAGE_SIZE, type BatchFilter, type BatchStatus } from '../store';

/** The batch an action is about: msg.payload.id, or msg.payload itself as a number. */
export function batchIdOf(action: string, payload: unknown): number {
  const value = payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload) ? (payload as { id?: unknown }).id : payload;
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    const got = value === undefined ? 'nothing' : JSON.stringify(value);
    throw new InvalidRequestError(`${action} needs a batch id: put it in msg.payload.id or send msg.payload as the number (got ${got})`);
  }
  return id;
}

/** The list filter in msg.payload: status (one or several), groupType, groupId, limit, offset. */
export function batchFilterOf(payload: unknown): BatchFilter {
  if (payload === undefined || payload === null || payload === '') return {};
  if (typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new InvalidRequestError('list takes its filter as an object in msg.payload: { status, groupType, groupId, limit, offset }');
  }
  const { status, groupType, groupId, limit, offset } = payload as Record<string, unknown>;
  const filter: BatchFilter = {};
  if (status !== undefined && status !== null && status !== '') filter.status = statusesOf(status);
  if (groupType !== undefined && groupType !== null && groupType !== '') filter.groupType = String(groupType);
  if (groupId !== undefined && groupId !== null && groupId !== '') filter.groupId = String(groupId);
  if (limit !== undefined) filter.limit = wholeNumber('limit', limit, 1, MAX_PAGE_SIZE);
  if (offset !== undefined) filter.offset = wholeNumber('offset', offset, 0, Number.MAX_SAFE_INTEGER);
  return filter;
}

/** The stats filter: optionally one group type and group id. */
export function groupFilterOf(payload: unknown): { groupType?: string; groupId?: string } {
  if (payload === null || typeof payload !== 'object' || Buffer.isBuffer(payload)) return {};
  const { groupType, groupId } = payload as Record<string, unknown>;
  return {
    ...(typeof groupType === 'string' && groupType !== '' ? { groupType } : {}),
    ...(typeof groupId === 'string' && groupId !== '' ? { groupId } : {}),
  };
}

function statusesOf(value: unknown): BatchStatus[] {
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((item) => {
    const status = String(item).trim().toUpperCase();
    if (!(BATCH_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidRequestError(`unknown batch status ${JSON.stringify(item)}: use ${BATCH_STATUSES.join(', ')}`);
    }
    return status as BatchStatus;
  });
}

function wholeNumber(what: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new InvalidRequestError(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}
