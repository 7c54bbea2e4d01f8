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
