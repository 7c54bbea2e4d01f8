import type { CsvOptions } from '../csv';
import type { SuccessCheck } from '../delivery/classify';
import type { RetryPolicy } from '../delivery/retry-policy';
import type { MatchingSettings } from '../matching';
import type { RowValidator } from '../validation';

/** Maps a validated row to the request body (JSONata in the node; the row as it is by default). */
export type RowMapper = (row: Record<string, unknown>) => Promise<unknown>;

export interface ProcessorSettings {
  csv: CsvOptions;
  validator?: RowValidator;
  /** The JSON Schema text, recorded on the batch so a correction is checked against the same rules. */
  rowSchema?: string;
  map?: RowMapper;
  request: { method: string; pathTemplate: string; headers?: Record<string, string> };
  successCheck?: SuccessCheck;
  /** Rows in flight at once. */
  concurrency: number;
  retry: RetryPolicy;
  /** Consecutive transient failures that mean the downstream is down. */
  breakerThreshold: number;
  /** How long a batch stays parked after the downstream was found down (ERROR_RETRY). */
  errorRetryDelayMs: number;
  /** A checkpoint window is written after this many settled rows, or this much time. */
  windowRows: number;
  windowMs: number;
  leaseMs: number;
  folders: { archive: string; failed: string };
  /** Key matching (upsert, unchanged rows skipped); off when absent. `request` is then the create request. */
  matching?: MatchingSettings;
}

export const DEFAULT_SETTINGS: Omit<ProcessorSettings, 'request' | 'folders'> = {
  csv: {},
  concurrency: 4,
  retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 },
  breakerThreshold: 10,
  errorRetryDelayMs: 60_000,
  windowRows: 1000,
  windowMs: 2000,
  leaseMs: 300_000,
};

export interface Progress {
  batchId: number;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  skippedRows?: number;
}

export interface BatchSummary {
  batchId: number;
  /** ERROR_RETRY: re-parked (downstream down, or the runtime stopping); LEASE_LOST: another runtime took it over. */
  status: 'PROCESSED' | 'FAILED' | 'ERROR_RETRY' | 'LEASE_LOST';
  fileName: string | null;
  groupType: string;
  groupId: string | null;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  /** Rows not sent because their content was delivered before (key matching). */
  skippedRows: number;
  errorFile: string | null;
  error: string | null;
  durationMs: number;
}
