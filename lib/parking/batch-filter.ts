import { InvalidRequestError } from '../errors';
import { BATCH_STATUSES, MAX_PAGE_SIZE, type BatchFilter, type BatchStatus } from '../store';

/**
 * The batch list filter from loose fields (a query string, or the object an admin sent the node):
 * status (one or several), groupType, groupId, limit, offset. The one reader of this filter, shared by
 * the admin routes and the parking-lot node, so both refuse the same things with the same words.
 */
export function batchFilterOf(fields: Record<string, unknown>): BatchFilter {
  const { status, groupType, groupId, partitionOf, limit, offset } = fields;
  const filter: BatchFilter = {};
  if (status !== undefined && status !== null && status !== '') filter.status = statusesOf(status);
  if (groupType !== undefined && groupType !== null && groupType !== '') filter.groupType = String(groupType);
  if (groupId !== undefined && groupId !== null && groupId !== '') filter.groupId = String(groupId);
  if (partitionOf !== undefined && partitionOf !== null && partitionOf !== '') filter.partitionOf = wholeNumber('partitionOf', partitionOf, 1, 2 ** 31 - 1);
  if (limit !== undefined) filter.limit = wholeNumber('limit', limit, 1, MAX_PAGE_SIZE);
  if (offset !== undefined) filter.offset = wholeNumber('offset', offset, 0, Number.MAX_SAFE_INTEGER);
  return filter;
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
