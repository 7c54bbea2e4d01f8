import { CsvError } from 'csv-parse';
import { CsvFormatError } from './csv-format-error';

/** What the reader knew when the parser failed: where the last good record ended. */
export interface ParsePosition {
  lastRecordEndLine: number;
  emptyLinesBeforeIt: number;
  /**
   * CRLFs inside quoted fields up to the last good record: csv-parse's own line count (in its errors) has
   * each of them twice. A CRLF inside the failing record itself, before the problem, is not known.
   */
  crlfsCountedTwice?: number;
  /** The row limit the parser had (max_record_size), for the message. */
  maxRowBytes?: number;
}

/** Turns csv-parse's errors into CsvFormatError with a line a person can open the file at; passes others through. */
export function toCsvFormatError(error: unknown, fileName: string, position: ParsePosition): unknown {
  if (!(error instanceof CsvError)) return error;
  const parserLines = numberField(error, 'lines');
  const lines = parserLines === undefined ? position.lastRecordEndLine + 1 : parserLines - (position.crlfsCountedTwice ?? 0);
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      // csv-parse reports the line where the file ended; the person needs the line where the quote opened,
      // which is the first non-blank line after the last good record.
      return new CsvFormatError('CSV_MALFORMED', fileName, 'unclosed quote (the quoted field that starts on this line never ends)', {
        line: quoteOpeningLine(error, position),
        cause: error,
      });
    case 'INVALID_OPENING_QUOTE':
      return new CsvFormatError('CSV_MALFORMED', fileName, `a quote appears inside an unquoted field (field ${fieldNumber(error)}); quote the whole field and double the inner quotes`, {
        line: lines,
        cause: error,
      });
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return new CsvFormatError('CSV_MALFORMED', fileName, `text follows a closing quote (field ${fieldNumber(error)}); double the quotes inside a quoted field`, {
        line: lines,
        cause: error,
      });
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvFormatError(
        'CSV_MALFORMED',
        fileName,
        `a row is longer than ${position.maxRowBytes ?? 'the limit of'} characters (the maxRowBytes option): the file is probably not CSV, or a quote is never closed`,
        { line: lines, cause: error },
      );
    default:
      return new CsvFormatError('CSV_MALFORMED', fileName, `the file cannot be read as CSV: ${error.message}`, { line: lines, cause: error });
  }
}

function quoteOpeningLine(error: CsvError, position: ParsePosition): number {
  const emptyLinesNow = numberField(error, 'empty_lines') ?? position.emptyLinesBeforeIt;
  return position.lastRecordEndLine + 1 + Math.max(0, emptyLinesNow - position.emptyLinesBeforeIt);
}

function fieldNumber(error: CsvError): number {
  return (numberField(error, 'index') ?? numberField(error, 'field') ?? 0) + 1;
}

function numberField(error: CsvError, name: string): number | undefined {
  const value = error[name];
  return typeof value === 'number' ? value : undefined;
}
