import { InvalidRequestError } from '../errors';
import { ERROR_KINDS, ERROR_PAYLOAD_STATUSES, MAX_PAGE_SIZE, type ErrorKind, type ErrorPayloadListFilter, type ErrorPayloadStatus } from '../store';

// The error payload filters from loose fields (a query string, a JSON body, or the object an admin sent
// the node): the one reader of each, shared by the admin routes and the error-payload node.

type Fields = Record<string, unknown>;

/** batchId, groupType, groupId, errorKind: the part of a filter a bulk action may use. */
export type ErrorPayloadSelection = Omit<ErrorPayloadListFilter, 'status' | 'limit' | 'offset'>;

/** A positive whole id, given as a number or as digits; undefined when it is not one. */
export function positiveId(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** The list filter: batchId, status (one or several), groupType, groupId, errorKind, limit, offset. */
export function errorPayloadFilterOf(fields: Fields): ErrorPayloadListFilter {
  const filter: ErrorPayloadListFilter = { ...errorPayloadSelectionOf(fields) };
  if (present(fields.status)) filter.status = statusesOf(fields.status);
  if (fields.limit !== undefined) filter.limit = wholeNumber('limit', fields.limit, 1, MAX_PAGE_SIZE);
  if (fields.offset !== undefined) filter.offset = wholeNumber('offset', fields.offset, 0, Number.MAX_SAFE_INTEGER);
  return filter;
}

/** The selection of a bulk action: batchId, groupType, groupId, errorKind. */
export function errorPayloadSelectionOf(fields: Fields): ErrorPayloadSelection {
  const selection: ErrorPayloadSelection = {};
  if (present(fields.batchId)) {
    const batchId = positiveId(fields.batchId);
    if (batchId === undefined) throw new InvalidRequestError(`batchId must be a batch id, not ${JSON.stringify(fields.batchId)}`);
    selection.batchId = batchId;
  }
  if (present(fields.groupType)) selection.groupType = String(fields.groupType);
  if (present(fields.groupId)) selection.groupId = String(fields.groupId);
  if (present(fields.errorKind)) {
    const errorKind = String(fields.errorKind).trim().toLowerCase();
    if (!(ERROR_KINDS as readonly string[]).includes(errorKind)) {
      throw new InvalidRequestError(`unknown error kind ${JSON.stringify(fields.errorKind)}: use ${ERROR_KINDS.join(', ')}`);
    }
    selection.errorKind = errorKind as ErrorKind;
  }
  return selection;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function statusesOf(value: unknown): ErrorPayloadStatus[] {
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((item) => {
    const status = String(item).trim().toUpperCase();
    if (!(ERROR_PAYLOAD_STATUSES as readonly string[]).includes(status)) {
      throw new InvalidRequestError(`unknown error payload status ${JSON.stringify(item)}: use ${ERROR_PAYLOAD_STATUSES.join(', ')}`);
    }
    return status as ErrorPayloadStatus;
  });
}

function wholeNumber(what: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new InvalidRequestError(`${what} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return number;
}
