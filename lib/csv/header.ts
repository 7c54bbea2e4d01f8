import { CsvFormatError } from './csv-format-error';

const SHOWN_NAMES = 20;

/**
 * Checks the header line and returns the column names rows are keyed by. Names are trimmed: a space after a
 * comma in a hand-edited header should not make "iban" a missing column.
 */
export function columnsFromHeader(fileName: string, fields: string[], required: string[] = [], line = 1): string[] {
  const columns = fields.map((field) => field.trim());
  const problems: string[] = [];

  const emptyAt = columns.flatMap((name, index) => (name === '' ? [index + 1] : []));
  if (emptyAt.length > 0) problems.push(`column ${emptyAt.join(', ')} of the header has no name`);

  const duplicates = [...new Set(columns.filter((name, index) => name !== '' && columns.indexOf(name) !== index))];
  if (duplicates.length > 0) problems.push(`the header names ${quoteList(duplicates)} more than once`);

  const missing = required.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    problems.push(`the header lacks the required column${missing.length > 1 ? 's' : ''} ${quoteList(missing)}`);
  }

  if (problems.length === 0) return columns;
  throw new CsvFormatError('CSV_HEADER', fileName, `${problems.join('; ')} (found: ${quoteList(columns)})`, { line });
}

function quoteList(names: string[]): string {
  const shown = names.slice(0, SHOWN_NAMES).map((name) => JSON.stringify(name));
  if (names.length > SHOWN_NAMES) shown.push(`and ${names.length - SHOWN_NAMES} more`);
  return shown.join(', ');
}
