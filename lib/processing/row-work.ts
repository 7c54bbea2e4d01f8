import type { FailedRow } from '../store';
import type { RowResult } from './checkpoint-tracker';

/** A row read and prepared: the request to send, or the result of a row that fails before sending. */
export interface RowWork {
  rowNumber: number;
  key: string;
  /** The row as read (JSON of its columns), kept for an error payload. */
  original: string;
  request?: { path: string; body: string; contentType: string };
  /** For grouping: the row's values as read (its parent key), and the validated row the group's mapping gets. */
  record?: Readonly<Record<string, unknown>>;
  value?: unknown;
  result?: RowResult;
  /** Key matching: the row's source key and its update path around `{targetKey}` (the request is the create). */
  match?: { sourceKey: string; updatePathParts: string[] };
}

/** A failed row as the checkpoint window stores it; the HTTP details are added by who has them. */
export function failedRow(
  rowNumber: number,
  payload: string | null,
  original: string | null,
  key: string,
  errorKind: FailedRow['errorKind'],
  error: string,
): FailedRow {
  return { rowNumber, payload, originalPayload: original, idempotencyKey: key, errorKind, error, httpStatus: null, errorDetail: null };
}

/** A row that fails before it is sent (read, validation, mapping): settled as it is, never retried. */
export function unsendable(failure: FailedRow): RowResult {
  return { ok: false, transient: false, failure };
}
