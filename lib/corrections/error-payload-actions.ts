import { InvalidRequestError } from '../errors';
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
  type ErrorPayloadPage,
  type ErrorPayloadRow,
  type Store,
} from '../store';
import { correctPayload } from './correct-payload';
import { correctionOf, idOf, listFilterOf, readyTargetOf, reasonOf, replaySourceOf } from './error-payload-request';
import { exportFailedRows, type CsvFormat, type ExportedRows } from './export-failed-rows';
import { replayFailedRows, type Replay } from './replay-failed-rows';

const ERROR_PAYLOAD_ACTIONS = ['list', 'get', 'update', 'ready', 'discard', 'replay', 'export'] as const;
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
  | { action: 'replay'; result: ({ from: 'errors' } & Replay) | { from: 'original'; batch: BatchRow } }
  | { action: 'export'; result: ExportedRows };

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
        return { action, result: { from: 'original', batch: await retryBatch(store, { id: batchId, actor, reason, now }) } };
      }
      const replay = await replayFailedRows(store, { batchId, processingFolder: request.processingFolder, actor, reason, csv: request.csv, now });
      return { action, result: { from: 'errors', ...replay } };
    }
    case 'export':
      return { action, result: await exportFailedRows(store, { batchId: idOf(action, 'batch', payload), actor, csv: request.csv, now }) };
  }
}
