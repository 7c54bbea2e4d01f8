import { correctErrorPayload, getBatch, getErrorPayload, type ErrorPayloadRow, type Store } from '../store';
import { compileJsonRowSchema, compileRowSchema } from '../validation';
import { CorrectionRefusedError } from './correction-refused-error';
import { parseCorrection } from './parse-correction';
import { correctGroupPayload } from './correct-group-payload';
import { readGroupOriginal } from '../grouping';

export interface CorrectionRequest {
  id: number;
  /** The corrected payload: an object, or its JSON text. */
  payload: unknown;
  actor: string;
  now?: number;
}

/**
 * Stores a corrected payload for a failed row, once it passes the row schema its batch was processed
 * with (`bsync_batch.row_schema`; a batch processed without one accepts any JSON object).
 *
 * What is checked: the row schema describes a row of the file, and the payload is the request body. The
 * correction is checked as a row, which is exact when the row-processor sends the row as it is (no mapping,
 * or a mapping that keeps the columns). What is stored is the row as the schema reads it (types converted,
 * defaults filled in), exactly as the processor would have sent it. The original row is never changed.
 */
export async function correctPayload(store: Store, request: CorrectionRequest): Promise<ErrorPayloadRow> {
  const errorPayload = await getErrorPayload(store, request.id);
  const batch = await getBatch(store, errorPayload.batch_id);
  if (readGroupOriginal(errorPayload.original_payload)) return correctGroupPayload(store, errorPayload, batch, request);
  const correction = parseCorrection(request.id, request.payload);
  let checked: Record<string, unknown> = correction;
  if (batch.row_schema) {
    // A JSON Lines row is checked with its types as they are, as the row-processor checks it; a CSV row as text.
    const validator = batch.format === 'jsonl' ? compileJsonRowSchema(batch.row_schema) : compileRowSchema(batch.row_schema);
    const validation = validator.validate(correction);
    if (!validation.ok) throw new CorrectionRefusedError(errorPayload.id, batch.id, validation.errors);
    checked = validation.value;
  }
  return correctErrorPayload(store, { id: errorPayload.id, payload: JSON.stringify(checked), actor: request.actor, now: request.now });
}
