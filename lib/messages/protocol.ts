import type { FileReference } from '../files/file-reference';
import type { BatchSummary } from '../processing';
import type { BatchRow, ErrorPayloadRow, FailedRow } from '../store';
import { batchView, errorPayloadView, isoTime, jsonValue, type BatchView, type ErrorPayloadView } from './views';

/**
 * The messages our nodes send each other and the flow, told apart by `topic`: a node decides by the
 * topic, never by guessing from the shape of msg.payload. Documented in docs/architecture.md and in
 * each node's help.
 */
export const TOPICS = {
  /** scheduled-dispatcher → row-processor: one claimed batch. */
  claimedBatch: 'batch',
  /** scheduled-dispatcher (errors mode) → row-processor: one claimed error payload. */
  claimedErrorPayload: 'error-payload',
  /** row-processor output 1: a batch's run ended (every status a summary can carry: SUMMARY_STATUSES). */
  batchComplete: 'batch-complete',
  /** row-processor output 1: a resent error payload's outcome. */
  errorPayloadResent: 'error-payload-resent',
  /** row-processor output 2: one row that failed, as it was stored. */
  failedRow: 'failed-row',
  /** file-persister → parking-lot: a file moved into the processing folder. */
  file: 'file',
} as const;

export interface Lease {
  owner: string;
  /** ISO time: the processor renews the lease before then, or another runtime may claim the request. */
  until: string | null;
}

export interface ClaimedBatchMessage {
  topic: typeof TOPICS.claimedBatch;
  payload: BatchView;
  lease: Lease;
}

export interface ClaimedErrorPayloadMessage {
  topic: typeof TOPICS.claimedErrorPayload;
  payload: ErrorPayloadView;
  lease: Lease;
}

export type ClaimedMessage = ClaimedBatchMessage | ClaimedErrorPayloadMessage;

function leaseOf(item: { lease_owner: string | null; lease_until: number | null }): Lease {
  return { owner: item.lease_owner ?? '', until: isoTime(item.lease_until) };
}

export function claimedBatchMessage(batch: BatchRow): ClaimedBatchMessage {
  return { topic: TOPICS.claimedBatch, payload: batchView(batch), lease: leaseOf(batch) };
}

export function claimedErrorPayloadMessage(errorPayload: ErrorPayloadRow): ClaimedErrorPayloadMessage {
  return { topic: TOPICS.claimedErrorPayload, payload: errorPayloadView(errorPayload), lease: leaseOf(errorPayload) };
}

/**
 * Every status a completion summary can carry: PROCESSED and FAILED end the batch; ERROR_RETRY means it
 * was re-parked (the downstream looked down, or the runtime was stopping) and resumes from its
 * checkpoint; LEASE_LOST means another runtime took it over (this runtime stopped working on it).
 */
export const SUMMARY_STATUSES = ['PROCESSED', 'FAILED', 'ERROR_RETRY', 'LEASE_LOST'] as const;

export interface CompletionSummary {
  batchId: number;
  status: BatchSummary['status'];
  /** Why it is not PROCESSED, in plain words; null when it is. */
  error: string | null;
  fileName: string | null;
  groupType: string;
  groupId: string | null;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  /** Rows not sent because their content was delivered before (key matching); 0 without it. */
  skippedRows: number;
  errorFile: string | null;
  durationMs: number;
  finishedAt: string;
}

export function completionMessage(summary: BatchSummary, finishedAtMs = Date.now()): { topic: typeof TOPICS.batchComplete; payload: CompletionSummary } {
  const { batchId, status, error, fileName, groupType, groupId, totalRows, processedRows, succeededRows, failedRows, skippedRows, errorFile, durationMs } = summary;
  return {
    topic: TOPICS.batchComplete,
    payload: { batchId, status, error, fileName, groupType, groupId, totalRows, processedRows, succeededRows, failedRows, skippedRows: skippedRows ?? 0, errorFile, durationMs, finishedAt: isoTime(finishedAtMs)! },
  };
}

export interface FailedRowView {
  /** The reason first: what an admin reads before anything else. */
  error: string;
  errorKind: FailedRow['errorKind'];
  httpStatus: number | null;
  errorDetail: unknown;
  batchId: number;
  rowNumber: number;
  /** The rows it stands for: a failed group's, from rowNumber on; 1 for a single row. */
  rowCount: number;
  groupType: string;
  groupId: string | null;
  idempotencyKey: string;
  payload: unknown;
  originalPayload: unknown;
}

export function failedRowMessage(batch: Pick<BatchRow, 'id' | 'group_type' | 'group_id'>, failed: FailedRow): { topic: typeof TOPICS.failedRow; payload: FailedRowView } {
  return {
    topic: TOPICS.failedRow,
    payload: {
      error: failed.error,
      errorKind: failed.errorKind,
      httpStatus: failed.httpStatus ?? null,
      errorDetail: jsonValue(failed.errorDetail ?? null),
      batchId: batch.id,
      rowNumber: failed.rowNumber,
      rowCount: failed.rowCount ?? 1,
      groupType: batch.group_type,
      groupId: batch.group_id,
      idempotencyKey: failed.idempotencyKey,
      payload: jsonValue(failed.payload),
      originalPayload: jsonValue(failed.originalPayload),
    },
  };
}

export function resentMessage(errorPayload: ErrorPayloadRow): { topic: typeof TOPICS.errorPayloadResent; payload: ErrorPayloadView } {
  return { topic: TOPICS.errorPayloadResent, payload: errorPayloadView(errorPayload) };
}

export interface FileMessage {
  topic: typeof TOPICS.file;
  payload: FileReference;
  /** The file's path, as Node-RED's file nodes name it. */
  filename: string;
  groupType: string;
}

export function fileMessage(file: FileReference, groupType: string): FileMessage {
  return { topic: TOPICS.file, payload: file, filename: file.path, groupType };
}
