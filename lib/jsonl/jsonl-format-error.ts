import { BsyncError } from '../errors';

export type JsonlFormatErrorCode = 'JSONL_EMPTY' | 'JSONL_UNREADABLE';

/**
 * A JSON Lines file that cannot be read at all (empty, or not there). A bad line is not this error: it is
 * that row's problem, reported with the row, and the other rows go on.
 */
export class JsonlFormatError extends BsyncError {
  declare readonly code: JsonlFormatErrorCode;
  readonly fileName: string;

  constructor(code: JsonlFormatErrorCode, fileName: string, problem: string, cause?: unknown) {
    super(code, `${fileName}: ${problem}`, { cause });
    this.fileName = fileName;
  }
}
