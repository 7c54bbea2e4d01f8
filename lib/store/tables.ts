import type { BatchFileFormat } from './batches/batch-format';
// Table names, statuses and row shapes: the words of DESIGN.md, used the same in code, tables, UI and docs.
// Times are epoch milliseconds (BIGINT): one representation that compares the same on SQLite and MySQL.

export const DEFAULT_TABLE_PREFIX = 'bsync_';

export interface TableNames {
  batch: string;
  errorPayload: string;
  event: string;
  control: string;
  watermark: string;
  keyMap: string;
  keyMapLock: string;
  migrations: string;
}

export function tableNames(prefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(prefix)) {
    throw new Error(`table prefix "${prefix}" must start with a letter and hold only letters, digits and _ (at most 31 characters)`);
  }
  return {
    batch: `${prefix}batch`,
    errorPayload: `${prefix}error_payload`,
    event: `${prefix}event`,
    control: `${prefix}control`,
    watermark: `${prefix}watermark`,
    keyMap: `${prefix}key_map`,
    keyMapLock: `${prefix}key_map_lock`,
    migrations: `${prefix}migrations`,
  };
}

export const BATCH_STATUSES = [
  'NEW',
  'SUBMITTED',
  'PROCESSING',
  'PROCESSED',
  'FAILED',
  'ERROR_RETRY',
  'RETRY',
  'CANCELLED',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Statuses a dispatcher claims from once `parked_until` has passed. */
export const PARKED_STATUSES: readonly BatchStatus[] = ['NEW', 'ERROR_RETRY', 'RETRY'];
/** Statuses that hold a lease; a lease that ran out makes the batch claimable again. */
export const IN_FLIGHT_STATUSES: readonly BatchStatus[] = ['SUBMITTED', 'PROCESSING'];

export const ERROR_PAYLOAD_STATUSES = ['NEW', 'READY', 'RESUBMITTED', 'RESOLVED', 'DISCARDED'] as const;
export type ErrorPayloadStatus = (typeof ERROR_PAYLOAD_STATUSES)[number];

export type BatchKind = 'file' | 'payload';

export interface BatchRow {
  id: number;
  group_type: string;
  group_id: string | null;
  kind: BatchKind;
  file_name: string | null;
  folder: string | null;
  sha256: string | null;
  size: number | null;
  payload: string | null;
  content_type: string | null;
  status: BatchStatus;
  status_time: number;
  parked_until: number;
  priority: number;
  attempts: number;
  total_rows: number | null;
  processed_rows: number;
  succeeded_rows: number;
  failed_rows: number;
  /** Rows not sent because their content was already delivered for their key (migration 003). */
  skipped_rows: number;
  checkpoint_row: number;
  lease_owner: string | null;
  lease_until: number | null;
  error_file: string | null;
  parent_batch_id: number | null;
  /** A partition: the batch whose file's rows first_row..last_row it processes (migration 004); else null. */
  partition_of: number | null;
  first_row: number | null;
  last_row: number | null;
  /** A parent: how many partitions its file was split into; 0 when it is processed whole. */
  partition_count: number;
  /** A CSV partition: where its first row starts in the file (byte offset, lines before it); null when unknown. */
  first_row_byte: number | null;
  lines_before: number | null;
  row_schema: string | null;
  /** How the batch file is read: `csv` or `jsonl` (by the file's extension, or as its source set it). */
  format: BatchFileFormat;
  error: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

/**
 * Why a row failed: `validation` (schema, field count), `mapping` (JSONata, path), `permanent` (a 4xx),
 * `transient` (retries used up), `rejected` (a 2xx the success check refused), `read` (the row could not be read),
 * `compensation` (an all-or-nothing batch could not undo a row it had applied: the payload names the undo request).
 */
export const ERROR_KINDS = ['validation', 'mapping', 'permanent', 'transient', 'rejected', 'read', 'compensation'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface ErrorPayloadRow {
  id: number;
  batch_id: number;
  row_number: number;
  group_type: string;
  group_id: string | null;
  payload: string | null;
  original_payload: string | null;
  idempotency_key: string;
  status: ErrorPayloadStatus;
  error_kind: ErrorKind;
  http_status: number | null;
  error: string | null;
  error_detail: string | null;
  attempts: number;
  /** The rows a failed group holds, from `row_number` on; 1 for a single row (migration 003). */
  row_count: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  status_time: number;
  resolved_at: number | null;
}

/**
 * What an event of `bsync_event` is about, and how `entity_id` names it: always the entity's own key, as
 * text: a batch by its id, an error payload by its id, a dispatcher's control row by the dispatcher's
 * name, an extract's watermark by the extract's name. (Events written before this rule named a failed row
 * `<batch id>:<row number>`; they stay as they were written, and getErrorPayloadDetail reads both.)
 */
export const EVENT_ENTITIES = ['batch', 'error_payload', 'control', 'watermark'] as const;
export type EventEntity = (typeof EVENT_ENTITIES)[number];

/** Every action the audit trail records; a new kind of change adds its word here first. */
export const EVENT_ACTIONS = [
  // batch
  'registered',
  'claimed',
  'lease-expired-reclaimed',
  'processing',
  'processed',
  'failed',
  'released',
  'circuit-open',
  'retry',
  'cancel',
  'replayed',
  'exported',
  'rows-resolved-on-retry',
  'all-failed-rows-settled',
  'resent-by-key',
  // batch, key matching: the batch waits for another of its group type to let go of the key map
  'waiting-for-key-map',
  // batch, all or nothing: the rows a window applied (their undo requests), the failure that calls for
  // undoing them, each row undone, an undo that failed and could not be kept as an error payload
  'rows-applied',
  'compensation-due',
  'compensated',
  'compensation-failed',
  // batch, partitions: a large file split into partitions (on the parent, and `partition-created` on each
  // partition), a retried parent's partitions parked again, the last partition settled (the parent finishes)
  'partitioned',
  'partition-created',
  'partitions-restarted',
  'partitions-settled',
  // error payload (claimed and lease-expired-reclaimed too)
  'row-failed',
  'row-failed-again',
  'corrected',
  'ready',
  'discarded',
  'resolved',
  'resend-failed',
  'resolved-on-retry',
  'resolved-in-lineage',
  'discarded-in-lineage',
  'held-by-replay',
  'released-by-replay',
  // watermark
  'watermark-reset',
  // control
  'pause',
  'resume',
  'throttle',
] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

export interface EventRow {
  id: number;
  entity: EventEntity;
  entity_id: string;
  batch_id: number | null;
  action: EventAction;
  from_status: string | null;
  to_status: string | null;
  actor: string;
  detail: string | null;
  created_at: number;
}

export interface ControlRow {
  dispatcher: string;
  fetch_size: number;
  max_in_flight: number;
  paused: number | boolean;
  updated_by: string | null;
  updated_at: number;
}

// Wave 2: table extracts (DESIGN.md "Watermarks").

/** How a batch file is read, recorded when it is parked (migration 002; CSV before it). */
export type { BatchFileFormat } from './batches/batch-format';

export interface WatermarkRow {
  extract: string;
  /** The watermark columns in order, e.g. ["updated_at", "id"]. */
  columns: string[];
  /** The last values read, by column; null before the first extract and after a reset. */
  value: Record<string, unknown> | null;
  batch_id: number | null;
  updated_at: number;
  updated_by: string | null;
}

// Wave 2: matching records by the keys of both systems (DESIGN.md "Match records…", migration 003).

export interface KeyMapRow {
  id: number;
  group_type: string;
  /** JSON of the row's key column values, as read. */
  source_key: string;
  /** The downstream's id for the record; null while no answer named it. */
  target_key: string | null;
  /** sha256 (hex) of the body last delivered for this key. */
  content_hash: string;
  /** Where the delivered version came from. */
  batch_id: number;
  row_number: number;
  /** The batch whose version it is: `batch_id`, or the origin of that replay (migration 005); null before. */
  origin_batch_id: number | null;
  created_at: number;
  updated_at: number;
}
