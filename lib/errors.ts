// Typed errors: each carries what a user needs to act on it (which batch, which row, what was wrong).

export class BsyncError extends Error {
  readonly code: string;
  readonly batchId?: number;
  readonly rowNumber?: number;

  constructor(code: string, message: string, context: { batchId?: number; rowNumber?: number; cause?: unknown } = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.batchId = context.batchId;
    this.rowNumber = context.rowNumber;
  }
}

/** A request that cannot be acted on as given: missing id, unknown action, bad option. */
export class InvalidRequestError extends BsyncError {
  constructor(message: string, context: { batchId?: number } = {}) {
    super('INVALID_REQUEST', message, context);
  }
}

export class NotFoundError extends BsyncError {
  constructor(what: string, id: number | string) {
    super('NOT_FOUND', `${what} ${id} does not exist`, typeof id === 'number' && what === 'batch' ? { batchId: id } : {});
  }
}

/** A status change the state machine of DESIGN.md does not allow. */
export class InvalidTransitionError extends BsyncError {
  readonly from: string;
  readonly to: string;

  constructor(what: string, id: number, from: string, to: string, batchId?: number) {
    super('INVALID_TRANSITION', `${what} ${id} is ${from}: it cannot become ${to}`, { batchId: batchId ?? (what === 'batch' ? id : undefined) });
    this.from = from;
    this.to = to;
  }
}

/** A file that is refused before it is parked: outside the inbound folder, empty, unreadable, a duplicate. */
export class FileRefusedError extends BsyncError {
  readonly fileName: string;

  constructor(code: string, fileName: string, message: string, cause?: unknown) {
    super(code, message, { cause });
    this.fileName = fileName;
  }
}

/** The database could not be reached or migrated; nodes show it and retry. */
export class DatabaseUnavailableError extends BsyncError {
  constructor(message: string, cause?: unknown) {
    super('DATABASE_UNAVAILABLE', message, { cause });
  }
}

/** Plain words for any error, for node status and the `error` column. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
