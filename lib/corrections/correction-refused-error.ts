import { BsyncError } from '../errors';

/** A correction that does not pass the row schema its batch was processed with: nothing was changed. */
export class CorrectionRefusedError extends BsyncError {
  /** Each broken rule in plain words: which column, which value, which rule. */
  readonly errors: readonly string[];

  constructor(errorPayloadId: number, batchId: number, errors: readonly string[]) {
    super('CORRECTION_INVALID', `correction of error payload ${errorPayloadId} refused: ${errors.join('; ')}`, { batchId });
    this.errors = errors;
  }
}
