import type { BatchLineage, LineageBatch } from '../store/batches/batch-lineage';
import type { BatchRow, ControlRow, ErrorPayloadRow, EventRow, FixStatistics } from '../store';

// What the admin routes answer: the rows of the store in the camelCase of JSON, times as ISO 8601 (UTC).
// The browser shows them in its own time zone; a script gets one unambiguous form.

export function isoTime(epochMs: number | null | undefined): string | null {
  return epochMs === null || epochMs === undefined ? null : new Date(epochMs).toISOString();
}

/** Stored JSON text as the value it holds; text that is not JSON stays text, unchanged. */
function jsonOrText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface BatchView {
  id: number;
  groupType: string;
  groupId: string | null;
  kind: BatchRow['kind'];
  status: BatchRow['status'];
  statusTime: string | null;
  fileName: string | null;
  folder: string | null;
  sha256: string | null;
  size: number | null;
  contentType: string | null;
  parkedUntil: string | null;
  priority: number;
  attempts: number;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  checkpointRow: number;
  leaseOwner: string | null;
  leaseUntil: string | null;
  errorFile: string | null;
  parentBatchId: number | null;
  hasRowSchema: boolean;
  error: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A batch without its payload and row schema: both can be large, and a list shows many batches. */
export function batchView(batch: BatchRow): BatchView {
  return {
    id: batch.id,
    groupType: batch.group_type,
    groupId: batch.group_id,
    kind: batch.kind,
    status: batch.status,
    statusTime: isoTime(batch.status_time),
    fileName: batch.file_name,
    folder: batch.folder,
    sha256: batch.sha256,
    size: batch.size,
    contentType: batch.content_type ?? null,
    parkedUntil: isoTime(batch.parked_until),
    priority: batch.priority,
    attempts: batch.attempts,
    totalRows: batch.total_rows,
    processedRows: batch.processed_rows,
    succeededRows: batch.succeeded_rows,
    failedRows: batch.failed_rows,
    checkpointRow: batch.checkpoint_row,
    leaseOwner: batch.lease_owner,
    leaseUntil: isoTime(batch.lease_until),
    errorFile: batch.error_file,
    parentBatchId: batch.parent_batch_id,
    hasRowSchema: Boolean(batch.row_schema),
    error: batch.error,
    createdAt: isoTime(batch.created_at),
    updatedAt: isoTime(batch.updated_at),
    startedAt: isoTime(batch.started_at),
    finishedAt: isoTime(batch.finished_at),
  };
}

export function lineageBatchView(batch: LineageBatch) {
  return { id: batch.id, status: batch.status, fileName: batch.file_name, createdAt: isoTime(batch.created_at), parentBatchId: batch.parent_batch_id };
}

export function lineageView(lineage: BatchLineage) {
  return { parent: lineage.parent ? lineageBatchView(lineage.parent) : null, replays: lineage.replays.map(lineageBatchView) };
}

export function eventView(event: EventRow) {
  return {
    id: event.id,
    entity: event.entity,
    entityId: event.entity_id,
    batchId: event.batch_id,
    action: event.action,
    fromStatus: event.from_status,
    toStatus: event.to_status,
    actor: event.actor,
    detail: jsonOrText(event.detail),
    at: isoTime(event.created_at),
  };
}

export function errorPayloadView(row: ErrorPayloadRow) {
  return {
    id: row.id,
    batchId: row.batch_id,
    rowNumber: row.row_number,
    groupType: row.group_type,
    groupId: row.group_id,
    status: row.status,
    statusTime: isoTime(row.status_time),
    errorKind: row.error_kind,
    httpStatus: row.http_status,
    error: row.error,
    errorDetail: row.error_detail,
    /** The JSON that was (or would have been) sent, as its value; stored text that is not JSON, as text. */
    payload: jsonOrText(row.payload),
    originalPayload: jsonOrText(row.original_payload),
    idempotencyKey: row.idempotency_key,
    attempts: row.attempts,
    createdAt: isoTime(row.created_at),
    resolvedAt: isoTime(row.resolved_at),
  };
}

export function fixStatisticsView(statistics: FixStatistics) {
  return {
    failed: statistics.failed,
    open: statistics.open,
    resolved: statistics.resolved,
    discarded: statistics.discarded,
    settledThroughLineage: statistics.settledThroughLineage,
    byStatus: statistics.byStatus,
    replayBatchIds: statistics.replayBatchIds,
  };
}

export interface DispatcherRuntimeView {
  /** The dispatcher node in this runtime, when one runs here. */
  nodeId: string;
  nodeName: string;
  mode: string;
  groupType: string | null;
  groupId: string | null;
  nextRun: string | null;
  inFlight: number;
  /** The node's configured values: where the control row started from. */
  startingFetchSize: number;
  startingMaxInFlight: number;
}

export function dispatcherView(control: ControlRow, nodes: DispatcherRuntimeView[]) {
  return {
    name: control.dispatcher,
    paused: Boolean(control.paused),
    fetchSize: control.fetch_size,
    maxInFlight: control.max_in_flight,
    updatedBy: control.updated_by,
    updatedAt: isoTime(control.updated_at),
    /** The dispatcher nodes of this runtime that follow the row; none when only other runtimes do. */
    nodes,
  };
}
