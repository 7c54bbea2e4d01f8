import type { CsvOptions } from '../csv';
import type { SuccessCheck } from '../delivery/classify';
import type { RetryPolicy } from '../delivery/retry-policy';
import type { GroupSettings } from '../grouping';
import type { TargetKeySource } from '../matching/target-key';
import type { MatchingSettings } from '../matching';
import type { KeyMapHolder } from '../store';
import type { RowValidator } from '../validation';
import type { AllOrNothingSettings } from './all-or-nothing/all-or-nothing-settings';

/**
 * Maps a validated row to the request body (JSONata in the node; the row as it is by default): the body, or
 * a promise of it (a compiled expression gives the body itself, JSONata a promise).
 */
export type RowMapper = (row: Record<string, unknown>) => unknown;

export interface ProcessorSettings {
  csv: CsvOptions;
  validator?: RowValidator;
  /** The JSON Schema text, recorded on the batch so a correction is checked against the same rules. */
  rowSchema?: string;
  map?: RowMapper;
  request: { method: string; pathTemplate: string; headers?: Record<string, string> };
  successCheck?: SuccessCheck;
  /** Group child rows by their parent key: one call per group, the mapping over the list. Off when absent. */
  group?: GroupSettings;
  /** Rows in flight at once. */
  concurrency: number;
  retry: RetryPolicy;
  /** Consecutive transient failures that mean the downstream is down. */
  breakerThreshold: number;
  /** How long a batch stays parked after the downstream was found down (ERROR_RETRY). */
  errorRetryDelayMs: number;
  /**
   * A checkpoint window is written once this many rows are settled, and at the latest this long after the
   * first of them settled: a crash re-sends at most the rows in flight plus those settled in that time.
   */
  windowRows: number;
  windowMs: number;
  leaseMs: number;
  /**
   * A file batch with more rows than this is split into partitions of this many rows (row ranges of its
   * file), claimed and processed separately, on any runtime. Off when unset or 0.
   */
  partitionRows?: number;
  folders: { archive: string; failed: string };
  /** Where the answer to a row's request names the id of the record it created (Location header, or the body). */
  targetKey?: TargetKeySource;
  /** Off when unset: every row is sent as it comes. */
  allOrNothing?: AllOrNothingSettings;
  /** Key matching (upsert, unchanged rows skipped); off when absent. `request` is then the create request. */
  matching?: MatchingSettings;
}

export const DEFAULT_SETTINGS: Omit<ProcessorSettings, 'request' | 'folders'> = {
  csv: {},
  concurrency: 4,
  // 15 attempts: at 35% transient answers (a flaky API) a row fails them all with p = 0.35^15 ≈ 1.5e-7, so a
  // 5,000-row batch ends with an error payload about once in 1,300 such batches (3 attempts: 4.3% of its
  // rows, ~214). Full-jitter backoff from 0.5 s doubling to a 10 s cap: a row that never gets through gives
  // up after at most 0.5+1+2+4+8+9×10 = 105.5 s of waits (half that on average), and a dead API is still
  // stopped by the breaker after `breakerThreshold` failures in a row, not by the attempts.
  retry: { maxAttempts: 15, baseDelayMs: 500, maxDelayMs: 10_000 },
  breakerThreshold: 10,
  errorRetryDelayMs: 60_000,
  windowRows: 1000,
  windowMs: 1000,
  leaseMs: 300_000,
};

export interface Progress {
  batchId: number;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  skippedRows?: number;
  /** Key matching: the batch has not started, it waits for this batch (or error payload's resend) of its group type (takeKeyMapLock). */
  waitingFor?: KeyMapHolder;
}

export interface BatchSummary {
  batchId: number;
  /**
   * ERROR_RETRY: re-parked (downstream down, or the runtime stopping); LEASE_LOST: another runtime took it over;
   * PARTITIONED: split into partitions (nothing sent by this run), which dispatchers claim as batches of their own.
   */
  status: 'PROCESSED' | 'FAILED' | 'ERROR_RETRY' | 'LEASE_LOST' | 'PARTITIONED';
  /** A partition's run: the batch it is a partition of, and its rows of that batch's file. */
  partition?: { of: number; firstRow: number; lastRow: number };
  /** PARTITIONED: into how many partitions. */
  partitions?: number;
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
