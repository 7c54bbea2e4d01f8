import { InvalidRequestError } from '../errors';
import { correctErrorPayload, type BatchRow, type ErrorPayloadRow, type Store } from '../store';
import { compileJsonRowSchema, compileRowSchema } from '../validation';
import { CorrectionRefusedError } from './correction-refused-error';

/**
 * A failed group's correction: the list it sends, one item per row, each checked on its own against the row
 * schema its batch was processed with (a refusal names the item). What is stored is the list as the schema
 * reads each item, as for a single row; the group's rows as read are never changed.
 */
export async function correctGroupPayload(
  store: Store,
  errorPayload: ErrorPayloadRow,
  batch: BatchRow,
  request: { payload: unknown; actor: string; now?: number },
): Promise<ErrorPayloadRow> {
  const items = parseGroupCorrection(errorPayload.id, request.payload);
  let checked: unknown[] = items;
  if (batch.row_schema) {
    const validator = batch.format === 'jsonl' ? compileJsonRowSchema(batch.row_schema) : compileRowSchema(batch.row_schema);
    const errors: string[] = [];
    checked = items.map((item, index) => {
      const validation = validator.validate(item);
      if (validation.ok) return validation.value;
      errors.push(...validation.errors.map((error) => `item ${index}: ${error}`));
      return item;
    });
    if (errors.length > 0) throw new CorrectionRefusedError(errorPayload.id, batch.id, errors);
  }
  return correctErrorPayload(store, { id: errorPayload.id, payload: JSON.stringify(checked), actor: request.actor, now: request.now });
}

function parseGroupCorrection(errorPayloadId: number, value: unknown): Record<string, unknown>[] {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidRequestError(`the correction of error payload ${errorPayloadId} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const isRow = (item: unknown) => item !== null && typeof item === 'object' && !Array.isArray(item);
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(isRow)) {
    throw new InvalidRequestError(`error payload ${errorPayloadId} is a group: its correction must be a non-empty JSON list of row objects (msg.payload.payload)`);
  }
  return parsed as Record<string, unknown>[];
}
