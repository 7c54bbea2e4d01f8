import type { BatchRow, ControlRow, ErrorPayloadRow, EventRow } from '../store';

// What leaves the package (node outputs, admin answers) shows rows the way a flow or a script reads them:
// camelCase fields, ISO 8601 times, JSON values instead of JSON inside strings.

export function isoTime(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(Number(epochMs)).toISOString();
}

/** A stored JSON text as its value; a text that is not JSON (a row that never parsed) stays text. */
export function jsonValue(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface BatchView {
  id: number;
  status: BatchRow['status'];
  error: string | null;
  groupType: string;
  groupId: string | null;
  kind: BatchRow['kind'];
  /** How the batch file is read: csv or jsonl. */
  format: BatchRow['format'];
  fileName: string | null;
  folder: string | null;
  sha256: string | null;
  size: number | null;
  contentType: string | null;
  /** Whether the batch carries the row schema a correction is checked against (the schema itself can be large). */
  hasRowSchema: boolean;
  priority: number;
  attempts: number;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  /** Rows not sent because their content was already delivered for their key. */
  skippedRows: number;
  checkpointRow: number;
  errorFile: string | null;
  parentBatchId: number | null;
  /** A partition: the batch it is a partition of, and its rows of that batch's file. */
  partitionOf: number | null;
  firstRow: number | null;
  lastRow: number | null;
  /** A batch split into partitions: how many (0: processed whole). */
  partitionCount: number;
  leaseOwner: string | null;
  leaseUntil: string | null;
  statusTime: string | null;
  parkedUntil: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export function batchView(batch: BatchRow): BatchView {
  return {
    id: batch.id,
    status: batch.status,
    error: batch.error,
    groupType: batch.group_type,
    groupId: batch.group_id,
    kind: batch.kind,
    format: batch.format,
    fileName: batch.file_name,
    folder: batch.folder,
    sha256: batch.sha256,
    size: batch.size,
    contentType: batch.content_type ?? null,
    hasRowSchema: Boolean(batch.row_schema),
    priority: batch.priority,
    attempts: batch.attempts,
    totalRows: batch.total_rows,
    processedRows: batch.processed_rows,
    succeededRows: batch.succeeded_rows,
    failedRows: batch.failed_rows,
    skippedRows: batch.skipped_rows ?? 0,
    checkpointRow: batch.checkpoint_row,
    errorFile: batch.error_file,
    parentBatchId: batch.parent_batch_id,
    partitionOf: batch.partition_of ?? null,
    firstRow: batch.first_row ?? null,
    lastRow: batch.last_row ?? null,
    partitionCount: batch.partition_count ?? 0,
    leaseOwner: batch.lease_owner,
    leaseUntil: isoTime(batch.lease_until),
    statusTime: isoTime(batch.status_time),
    parkedUntil: isoTime(batch.parked_until),
    createdAt: isoTime(batch.created_at),
    updatedAt: isoTime(batch.updated_at),
    startedAt: isoTime(batch.started_at),
    finishedAt: isoTime(batch.finished_at),
  };
}

export interface ErrorPayloadView {
  id: number;
  status: ErrorPayloadRow['status'];
  error: string | null;
  errorKind: ErrorPayloadRow['error_kind'];
  httpStatus: number | null;
  errorDetail: unknown;
  batchId: number;
  rowNumber: number;
  /** The rows a failed group holds, from rowNumber on; 1 for a single row. */
  rowCount: number;
  groupType: string;
  groupId: string | null;
  payload: unknown;
  originalPayload: unknown;
  idempotencyKey: string;
  attempts: number;
  createdAt: string | null;
  statusTime: string | null;
  resolvedAt: string | null;
}

export function errorPayloadView(row: ErrorPayloadRow): ErrorPayloadView {
  return {
    id: row.id,
    status: row.status,
    error: row.error,
    errorKind: row.error_kind,
    httpStatus: row.http_status,
    errorDetail: jsonValue(row.error_detail),
    batchId: row.batch_id,
    rowNumber: row.row_number,
    rowCount: row.row_count ?? 1,
    groupType: row.group_type,
    groupId: row.group_id,
    payload: jsonValue(row.payload),
    originalPayload: jsonValue(row.original_payload),
    idempotencyKey: row.idempotency_key,
    attempts: row.attempts,
    createdAt: isoTime(row.created_at),
    statusTime: isoTime(row.status_time),
    resolvedAt: isoTime(row.resolved_at),
  };
}

export interface EventView {
  id: number;
  action: string;
  entity: EventRow['entity'];
  entityId: string;
  batchId: number | null;
  fromStatus: string | null;
  toStatus: string | null;
  actor: string;
  detail: unknown;
  createdAt: string | null;
}

export function eventView(row: EventRow): EventView {
  return {
    id: row.id,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    batchId: row.batch_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    actor: row.actor,
    detail: jsonValue(row.detail),
    createdAt: isoTime(row.created_at),
  };
}

export interface ControlView {
  dispatcher: string;
  fetchSize: number;
  maxInFlight: number;
  paused: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

export function controlView(row: ControlRow): ControlView {
  return {
    dispatcher: row.dispatcher,
    fetchSize: row.fetch_size,
    maxInFlight: row.max_in_flight,
    paused: Boolean(row.paused),
    updatedBy: row.updated_by,
    updatedAt: isoTime(row.updated_at),
  };
}
