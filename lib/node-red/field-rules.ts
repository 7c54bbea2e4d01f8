/**
 * What a valid number is, per node setting: one table that the runtime checks at deploy and the editor
 * dialogs check while typing (exported to the editor as the node type's `…FieldRules` setting), so the
 * two never disagree. A blank field means the default; anything else must pass, never clamped.
 */
export interface NumberRule {
  default: number;
  min: number;
  max: number;
  integer: boolean;
}

const rule = (defaultValue: number, min: number, max: number, integer = true): NumberRule => ({ default: defaultValue, min, max, integer });

export const ROW_PROCESSOR_RULES = {
  concurrency: rule(4, 1, 256),
  // The defaults are DEFAULT_SETTINGS.retry (lib/processing/processor-settings.ts says why these).
  maxAttempts: rule(15, 1, 100),
  baseDelayMs: rule(500, 0, 3_600_000),
  maxDelayMs: rule(10_000, 0, 3_600_000),
  breakerThreshold: rule(10, 1, 100_000),
  errorRetryDelay: rule(60, 0, 86_400, false),
  // At least 5 s: above twice the 1 s checkpoint interval, so the dialog's range check also keeps the
  // runtime's lease rule (nodes/row-processor/settings.ts), which the editor cannot see.
  leaseTime: rule(300, 5, 86_400, false),
  windowRows: rule(1000, 1, 1_000_000),
  // Rows in one call of a group (group columns set); how many a downstream takes in one request.
  groupMaxRows: rule(100, 1, 100_000),
  // A file batch with more rows is split into partitions of this many rows, which runtimes claim separately; 0: never.
  partitionRows: rule(0, 0, 1_000_000_000),
} satisfies Record<string, NumberRule>;

export const DISPATCHER_RULES = {
  fetchSize: rule(10, 1, 10_000),
  maxInFlight: rule(5, 1, 10_000),
  leaseSeconds: rule(300, 5, 86_400),
} satisfies Record<string, NumberRule>;

export const FILE_PERSISTER_RULES = {
  pollInterval: rule(5, 0, 86_400, false),
  stableTime: rule(2, 0, 3_600, false),
} satisfies Record<string, NumberRule>;

export const PARKING_LOT_RULES = {
  parkingMinutes: rule(0, 0, 525_600, false),
  priority: rule(0, -1_000_000, 1_000_000),
} satisfies Record<string, NumberRule>;
