import { InvalidRequestError } from '../../lib/errors';
import {
  correctPayload,
  errorPayloadFilterOf,
  errorPayloadSelectionOf,
  exportFailedRows,
  positiveId,
  replayFailedRows,
  type CsvFormat,
  type ErrorPayloadSelection,
  type ExportedRows,
  type Replay,
} from '../../lib/corrections';
import { resendByKey, resendRequestOf, type ResendByKey } from '../../lib/resend';
import {
  discardErrorPayload,
  getErrorPayloadDetail,
  listErrorPayloads,
  markErrorPayloadReady,
  markErrorPayloadsReady,
  retryBatch,
  type BatchRow,
  type BulkReadyResult,
  type ErrorPayloadDetail,
  type ErrorPayloadListFilter,
  type ErrorPayloadPage,
  type ErrorPayloadRow,
  type Store,
} from '../../lib/store';

// The error-payload node's admin actions: msg.topic names the action, msg.payload says what it is about.
// This is where a message is read; lib/ gets typed requests (a filter, an id, a correction, who and why).

const ERROR_PAYLOAD_ACTIONS = ['list', 'get', 'update', 'ready', 'discard', 'replay', 'export', 'resend'] as const;
export type ErrorPayloadAction = (typeof ERROR_PAYLOAD_ACTIONS)[number];

export interface ErrorPayloadActionRequest {
  /** msg.topic */
  action: string;
  /** msg.payload */
  payload: unknown;
  /** Who asked: msg.user, or the node. */
  actor: string;
  /** Where a replay's file goes. */
  processingFolder: string;
  csv?: CsvFormat;
  now?: number;
}

export type ErrorPayloadActionResult =
  | { action: 'list'; result: ErrorPayloadPage }
  | { action: 'get'; result: ErrorPayloadDetail }
  | { action: 'update' | 'discard'; result: ErrorPayloadRow }
  | { action: 'ready'; result: ErrorPayloadRow | BulkReadyResult }
  | { action: 'replay'; result: ({ source: 'errors' } & Replay) | { source: 'original'; batch: BatchRow } }
  | { action: 'export'; result: ExportedRows }
  | { action: 'resend'; result: ResendByKey };

function isErrorPayloadAction(action: string): action is ErrorPayloadAction {
  return (ERROR_PAYLOAD_ACTIONS as readonly string[]).includes(action);
}

/** Runs one admin action on failed rows. Reads change nothing; every change records who asked, with it. */
export async function runErrorPayloadAction(store: Store, request: ErrorPayloadActionRequest): Promise<ErrorPayloadActionResult> {
  const { action, payload, actor, now } = request;
  if (!isErrorPayloadAction(action)) {
    throw new InvalidRequestError(`unknown action ${JSON.stringify(action)}: msg.topic must be one of ${ERROR_PAYLOAD_ACTIONS.join(', ')}`);
  }
  switch (action) {
    case 'list':
      return { action, result: await listErrorPayloads(store, listFilterOf(payload)) };
    case 'get':
      return { action, result: await getErrorPayloadDetail(store, idOf(action, 'error payload', payload)) };
    case 'update':
      return { action, result: await correctPayload(store, { id: idOf(action, 'error payload', payload), payload: correctionOf(payload), actor, now }) };
    case 'ready': {
      const target = readyTargetOf(payload);
      const reason = reasonOf(payload);
      return {
        action,
        result:
          'id' in target
            ? await markErrorPayloadReady(store, { id: target.id, actor, reason, now })
            : await markErrorPayloadsReady(store, { filter: target.filter, actor, reason, now }),
      };
    }
    case 'discard':
      return { action, result: await discardErrorPayload(store, { id: idOf(action, 'error payload', payload), reason: reasonOf(payload) ?? '', actor, now }) };
    case 'replay': {
      const batchId = idOf(action, 'batch', payload);
      const reason = reasonOf(payload);
      if (replaySourceOf(payload) === 'original') {
        return { action, result: { source: 'original', batch: await retryBatch(store, { id: batchId, actor, reason, now }) } };
      }
      const replay = await replayFailedRows(store, { batchId, processingFolder: request.processingFolder, actor, reason, csv: request.csv, now });
      return { action, result: { source: 'errors', ...replay } };
    }
    case 'export':
      return { action, result: await exportFailedRows(store, { batchId: idOf(action, 'batch', payload), actor, csv: request.csv, now }) };
    case 'resend':
      // The remote system lost records: their latest delivered versions, by source key, as replay batches.
      return { action, result: await resendByKey(store, { ...resendRequestOf(payload), processingFolder: request.processingFolder, actor, csv: request.csv, now }) };
  }
}

type Fields = Record<string, unknown>;

function fieldsOf(payload: unknown): Fields {
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !Buffer.isBuffer(payload) ? (payload as Fields) : {};
}

/** The id an action is about: msg.payload.id, or msg.payload itself as a number. */
function idOf(action: string, what: 'error payload' | 'batch', payload: unknown): number {
  const value = payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload) ? (payload as Fields).id : payload;
  const id = positiveId(value);
  if (id === undefined) {
    const got = value === undefined ? 'nothing' : JSON.stringify(value);
    throw new InvalidRequestError(`${action} needs ${what === 'batch' ? 'a batch id' : 'an error payload id'}: put it in msg.payload.id or send msg.payload as the number (got ${got})`);
  }
  return id;
}

/** The list filter in msg.payload: nothing for every error payload, else an object the filter reader checks. */
function listFilterOf(payload: unknown): ErrorPayloadListFilter {
  if (payload === undefined || payload === null || payload === '') return {};
  if (typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new InvalidRequestError('list takes its filter as an object in msg.payload: { batchId, status, groupType, groupId, errorKind, limit, offset }');
  }
  return errorPayloadFilterOf(payload as Fields);
}

/** ready: one id (a number, or msg.payload.id) or, without an id, every NEW error payload the filter selects. */
function readyTargetOf(payload: unknown): { id: number } | { filter: ErrorPayloadSelection } {
  const fields = fieldsOf(payload);
  if (typeof payload === 'number' || typeof payload === 'string' || present(fields.id)) return { id: idOf('ready', 'error payload', payload) };
  const filter = errorPayloadSelectionOf(fields);
  if (Object.keys(filter).length === 0) {
    throw new InvalidRequestError('ready needs an error payload id (msg.payload.id), or a filter for many: { batchId, groupType, groupId, errorKind }');
  }
  return { filter };
}

/** The correction of update: msg.payload.payload. */
function correctionOf(payload: unknown): unknown {
  const fields = fieldsOf(payload);
  if (!('payload' in fields)) throw new InvalidRequestError('update needs the corrected payload in msg.payload.payload (and the id in msg.payload.id)');
  return fields.payload;
}

/** Why: msg.payload.reason, when given. */
function reasonOf(payload: unknown): string | undefined {
  const reason = fieldsOf(payload).reason;
  return typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : undefined;
}

/**
 * replay: source "errors" (the failed rows, the default) or "original" (the whole file again), the word of
 * the replay route. `from` is its older name, still read so flows written with it keep working.
 */
function replaySourceOf(payload: unknown): 'errors' | 'original' {
  const fields = fieldsOf(payload);
  if (present(fields.source) && present(fields.from) && fields.source !== fields.from) {
    throw new InvalidRequestError('replay takes "source" ("from" is its older name): give one of them');
  }
  const source = present(fields.source) ? fields.source : fields.from;
  if (!present(source)) return 'errors';
  if (source === 'errors' || source === 'original') return source;
  throw new InvalidRequestError(`replay source ${JSON.stringify(source)}? use "errors" (the failed rows, as a new batch) or "original" (the whole file again)`);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
