import { BsyncError } from '../errors';

/** The source database could not be reached; the node shows it and tries again. */
export class SourceUnavailableError extends BsyncError {
  constructor(message: string, cause?: unknown) {
    super('SOURCE_UNAVAILABLE', message, { cause });
  }
}

/** What an extract was asked to read does not exist or is not allowed: nothing is read, nothing parked. */
export class SourceQueryError extends BsyncError {
  constructor(message: string, cause?: unknown) {
    super('SOURCE_QUERY', message, { cause });
  }
}
