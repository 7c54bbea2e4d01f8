import { BsyncError } from '../errors';

/** The row schema itself is unusable (not JSON, not a JSON Schema): a configuration mistake, not a bad row. */
export class SchemaError extends BsyncError {
  declare readonly code: 'SCHEMA_INVALID';

  constructor(message: string, cause?: unknown) {
    super('SCHEMA_INVALID', message, { cause });
  }
}
