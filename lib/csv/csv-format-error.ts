import { BsyncError } from '../errors';

export type CsvFormatErrorCode = 'CSV_EMPTY' | 'CSV_HEADER' | 'CSV_MALFORMED' | 'CSV_ENCODING' | 'CSV_BINARY';

/**
 * A file that cannot be read as the CSV it claims to be. The whole batch fails on it (no row is sent),
 * so the message must tell a person which file and where to look, in plain words.
 */
export class CsvFormatError extends BsyncError {
  declare readonly code: CsvFormatErrorCode;
  readonly fileName: string;
  /** Physical line in the file, 1-based, where the problem is (approximate for encoding errors). */
  readonly line?: number;
  /** Byte offset from the start of the file, when the problem is about bytes rather than lines. */
  readonly byteOffset?: number;

  constructor(
    code: CsvFormatErrorCode,
    fileName: string,
    problem: string,
    where: { line?: number; byteOffset?: number; cause?: unknown } = {},
  ) {
    const location = where.line === undefined ? '' : ` line ${where.line}`;
    super(code, `${fileName}${location}: ${problem}`, { cause: where.cause });
    this.fileName = fileName;
    this.line = where.line;
    this.byteOffset = where.byteOffset;
  }
}
