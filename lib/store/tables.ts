// Table names, statuses and row shapes: the words of DESIGN.md, used the same in code, tables, UI and docs.
// Times are epoch milliseconds (BIGINT): one representation that compares the same on SQLite and MySQL.

export const DEFAULT_TABLE_PREFIX = 'bsync_';

export interface TableNames {
  batch: string;
  errorPayload: string;
  event: string;
  control: string;
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
  checkpoint_row: number;
  lease_owner: string | null;
  lease_until: number | null;
  error_file: string | null;
  parent_batch_id: number | null;
  row_schema: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export type ErrorKind = 'validation' | 'mapping' | 'permanent' | 'transient' | 'rejected' | 'read';

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
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  status_time: number;
  resolved_at: number | null;
}

export interface EventRow {
  id: number;
  entity: 'batch' | 'error_payload' | 'control';
  entity_id: string;
  batch_id: number | null;
  action: string;
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

/**
 * The watermark table of a prefix. Derived from the other names rather than added to TableNames, so the
 * helpers adding tables in parallel do not edit the same lines; fold it into TableNames when merging.
 */
export function watermarkTable(tables: TableNames): string {
  return `${tables.migrations.slice(0, -'migrations'.length)}watermark`;
}

/** The event entity of a watermark change (reset); EventRow['entity'] is to gain it when merging. */
export const WATERMARK_ENTITY = 'watermark' as unknown as EventRow['entity'];

/** How a batch file is read, recorded when it is parked (migration 002; CSV before it). */
export type BatchFileFormat = 'csv' | 'jsonl';

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
