// DESIGN.md: the key names the row where it first came from, so retries, resumes, replays and
// corrections of that row all carry the same key and a deduplicating downstream applies it once.

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export function idempotencyKey(originBatchId: number, originRowNumber: number): string {
  return `bsync-${originBatchId}-${originRowNumber}`;
}
