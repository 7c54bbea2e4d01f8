import { InvalidRequestError } from '../errors';
import { ERROR_KINDS, ERROR_PAYLOAD_STATUSES, MAX_PAGE_SIZE, type ErrorKind, type ErrorPayloadListFilter, type ErrorPayloadStatus } from '../store';

// Reading msg.payload for the error-payload node's actions: what each action needs, or a clear refusal.


type Fields = Record<string, unknown>;

function fieldsOf(payload: unknown): Fields {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !Buffer.isBuffer(payload) ? (payload as Fields) : {};
}

function positiveId(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** The id an action is about: msg.payload.id, or msg.payload itself as a number. */
export function idOf(action: string, what: 'error payload' | 'batch', payload: unknown): number {
  const value = payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload) ? (payload as Fields).id : payload;
  const id = positiveId(value);
  if (id === undefined) {
    const got = value === undefined ? 'nothing' : JSON.stringify(value);
    throw new InvalidRequestError(`${action} needs ${what === 'batch' ? 'a batch id' : 'an error payload id'}: put it in msg.payload.id or send msg.payload as the number (got ${got})`);
  }
  return id;
}

/** The list filter: batchId, status (one or several), groupType, groupId, errorKind, limit, offset. */
export function listFilterOf(payload: unknown): ErrorPayloadListFilter {
  if (payload === undefined || payload === null || payload === '') return {};
  if (typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new InvalidRequestError('list takes its filter as an object in msg.payload: { batchId, status, groupType, groupId, errorKind, limit, offset }');
  }
  const fields = payload as Fields;
  const filter: ErrorPayloadListFilter = { ...selectionOf(fields) };
  if (present(fields.status)) filter.status = statusesOf(fields.status);
  if (fields.limit !== undefined) filter.limit = wholeNumber('limit', fields.limit, 1, MAX_PAGE_SIZE);
  if (fields.offset !== undefined) filter.offset = wholeNumber('offset', fields.offset, 0, Number.MAX_SAFE_INTEGER);
  return filter;
}

/** batchId, groupType, groupId, errorKind: the part of a filter a bulk action may use. */
export function selectionOf(payload: unknown): Omit<ErrorPayloadListFilter, 'status' | 'limit' | 'offset'> {
  const fields = fieldsOf(payload);
  const selection: Omit<ErrorPayloadListFilter, 'status' | 'limit' | 'offset'> = {};
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

/** ready: one id (a number, or msg.payload.id) or, without an id, every NEW error payload the filter selects. */
export function readyTargetOf(payload: unknown): { id: number } | { filter: ReturnType<typeof selectionOf> } {
  const fields = fieldsOf(payload);
  if (typeof payload === 'number' || typeof payload === 'string' || present(fields.id)) return { id: idOf('ready', 'error payload', payload) };
  const filter = selectionOf(payload);
  if (Object.keys(filter).length === 0) {
    throw new InvalidRequestError('ready needs an error payload id (msg.payload.id), or a filter for many: { batchId, groupType, groupId, errorKind }');
  }
  return { filter };
}

/** The correction of update: msg.payload.payload. */
export function correctionOf(payload: unknown): unknown {
  const fields = fieldsOf(payload);
  if (!('payload' in fields)) throw new InvalidRequestError('update needs the corrected payload in msg.payload.payload (and the id in msg.payload.id)');
  return fields.payload;
}

/** Why: msg.payload.reason, when given. */
export function reasonOf(payload: unknown): string | undefined {
  const reason = fieldsOf(payload).reason;
  return typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : undefined;
}

export type ReplaySource = 'errors' | 'original';

/** replay: from "errors" (the failed rows, the default) or "original" (the whole file again). */
export function replaySourceOf(payload: unknown): ReplaySource {
  const from = fieldsOf(payload).from;
  if (from === undefined || from === null || from === '') return 'errors';
  if (from === 'errors' || from === 'original') return from;
  throw new InvalidRequestError(`replay from ${JSON.stringify(from)}? use "errors" (the failed rows, as a new batch) or "original" (the whole file again)`);
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
