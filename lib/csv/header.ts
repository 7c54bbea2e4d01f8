import { CsvFormatError } from './csv-format-error';

const SHOWN_NAMES = 20;

/**
 * Checks the header line and returns the column names rows are keyed by. Names are trimmed: a space after a
 * comma in a hand-edited header should not make "iban" a missing column.
 */
export function columnsFromHeader(fileName: string, fields: string[], required: string[] = [], line = 1, maxColumns = Number.POSITIVE_INFINITY): string[] {
  if (fields.length > maxColumns) {
    throw new CsvFormatError('CSV_HEADER', fileName, `the header has ${fields.length} columns, more than the limit of ${maxColumns} (the maxColumns option)`, { line });
  }
  // One pass with a Set: linear, so a very wide header cannot stall the event loop.
  const columns: string[] = new Array<string>(fields.length);
  const emptyAt: number[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (let index = 0; index < fields.length; index += 1) {
    const name = fields[index].trim();
    columns[index] = name;
    if (name === '') emptyAt.push(index + 1);
    else if (seen.has(name)) duplicates.add(name);
    else seen.add(name);
  }
  const problems: string[] = [];
  if (emptyAt.length > 0) problems.push(`column ${listNumbers(emptyAt)} of the header has no name`);
  if (duplicates.size > 0) problems.push(`the header names ${quoteList([...duplicates])} more than once`);

  const missing = required.filter((name) => !seen.has(name));
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

function listNumbers(numbers: number[]): string {
  const shown = numbers.slice(0, SHOWN_NAMES).join(', ');
  return numbers.length > SHOWN_NAMES ? `${shown} and ${numbers.length - SHOWN_NAMES} more` : shown;
}
