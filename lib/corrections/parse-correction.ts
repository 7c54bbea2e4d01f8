import { InvalidRequestError } from '../errors';

/** The corrected payload as an object: given as one, or as its JSON text. Anything else is refused. */
export function parseCorrection(errorPayloadId: number, value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new InvalidRequestError(`the correction of error payload ${errorPayloadId} is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Buffer.isBuffer(parsed)) {
    const got = parsed === undefined ? 'nothing' : Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed);
    throw new InvalidRequestError(`the correction of error payload ${errorPayloadId} must be a JSON object (msg.payload.payload), not ${got}`);
  }
  return parsed as Record<string, unknown>;
}
