// The Idempotency-Key of DESIGN.md: the same for a row through retries, resumes, replays and corrections.

const PATTERN = /^bsync-(\d+)-(\d+)$/;

export function idempotencyKey(originBatchId: number, originRowNumber: number): string {
  return `bsync-${originBatchId}-${originRowNumber}`;
}

export function parseIdempotencyKey(key: string): { originBatchId: number; originRowNumber: number } | undefined {
  const match = PATTERN.exec(key);
  return match ? { originBatchId: Number(match[1]), originRowNumber: Number(match[2]) } : undefined;
}
