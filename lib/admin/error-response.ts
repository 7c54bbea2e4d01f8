import { CorrectionRefusedError } from '../corrections';
import { BsyncError, DatabaseUnavailableError, InvalidRequestError, InvalidTransitionError, NotFoundError, describeError } from '../errors';
import type { AdminResponse } from './admin-route';

export interface FieldRefusal {
  /** The column a rule is about (`iban`, `address.city`), or null for the row as a whole. */
  field: string | null;
  message: string;
}

/** "column \"iban\": value … does not match …" → iban: where the sidebar shows the refusal. */
export function refusalOf(message: string): FieldRefusal {
  const match = /^column ("(?:[^"\\]|\\.)*")/.exec(message);
  let field: string | null = null;
  if (match) {
    try {
      field = JSON.parse(match[1]) as string;
    } catch {
      field = null;
    }
  }
  return { field, message };
}

/**
 * A refusal as the answer a script or the sidebar reads: 4xx with `{"error": "<plain words>"}`. Only an
 * error we did not foresee is a 500, and its reason is still given: the admin is the one who has to act.
 */
export function errorResponse(error: unknown): AdminResponse & { unexpected?: boolean } {
  if (error instanceof CorrectionRefusedError) {
    return { status: 422, body: { error: error.message, validationErrors: error.errors.map(refusalOf) } };
  }
  if (error instanceof InvalidRequestError) return { status: 400, body: { error: error.message } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: error.message } };
  if (error instanceof InvalidTransitionError) return { status: 409, body: { error: error.message } };
  if (error instanceof DatabaseUnavailableError) return { status: 503, body: { error: error.message } };
  if (error instanceof BsyncError) return { status: 409, body: { error: error.message } };
  return { status: 500, body: { error: `the request failed: ${describeError(error)}` }, unexpected: true };
}
