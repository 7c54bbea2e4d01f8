import { createHash } from 'node:crypto';

// DESIGN.md: the key names the row where it first came from, so retries, resumes, replays and
// corrections of that row all carry the same key and a deduplicating downstream applies it once.

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export function idempotencyKey(originBatchId: number, originRowNumber: number): string {
  return `bsync-${originBatchId}-${originRowNumber}`;
}

const KEY_PATTERN = /^bsync-(\d+)-(\d+)$/;

/** The origin batch and row a key names (the error file of a replay carries the origin row). */
export function parseIdempotencyKey(key: string): { originBatchId: number; originRowNumber: number } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { originBatchId: Number(match[1]), originRowNumber: Number(match[2]) } : undefined;
}

/**
 * The key of a re-create: the target deleted the record a row's first create made (an update answered
 * 404), so creating it again is a new operation, which a target that remembers the row's key would answer
 * with the deleted record. The key names the row and the deleted record, so retries and resumes of this
 * re-create dedupe, and a record deleted again later is re-created under another key.
 */
export function recreateKey(rowKey: string, deletedTargetKey: string): string {
  return `${rowKey}-recreate-${createHash('sha256').update(deletedTargetKey).digest('hex').slice(0, 12)}`;
}
