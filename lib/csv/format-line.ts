/** One CSV line, quoted so that csv-parse with the same delimiter and quote reads back exactly these values. */
export function formatCsvLine(values: string[], delimiter: string, quote: string): string {
  return `${values.map((value) => quoteField(value, delimiter, quote)).join(delimiter)}\r\n`;
}

function quoteField(value: string, delimiter: string, quote: string): string {
  // Leading/trailing spaces are quoted too, so a tool that trims unquoted fields keeps them.
  const needsQuotes =
    value.includes(delimiter) || value.includes(quote) || value.includes('\n') || value.includes('\r') || value !== value.trim();
  if (!needsQuotes) return value;
  return `${quote}${value.split(quote).join(quote + quote)}${quote}`;
}

/**
 * The mark a spreadsheet reads as "text, not a formula". A cell of a file we hand out that starts with
 * = + - @ (or tab or CR, which some spreadsheets skip before looking) would run as a formula when an admin
 * opens the file (CSV injection); with a leading ' it shows as the text it is.
 */
export const FORMULA_QUOTE = "'";
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * The cell as written into an error file or an export: a formula-like value gets a leading '. A value that
 * already starts with ' gets one more, so unquoteFormula can take exactly one off every quoted cell and
 * give back the value byte for byte.
 */
export function quoteFormula(value: string): string {
  if (value === '') return value;
  const first = value[0];
  return FORMULA_STARTS.has(first) || first === FORMULA_QUOTE ? FORMULA_QUOTE + value : value;
}

/** The inverse of quoteFormula, for files it wrote: one leading ' off. */
export function unquoteFormula(cell: string): string {
  return cell.startsWith(FORMULA_QUOTE) ? cell.slice(FORMULA_QUOTE.length) : cell;
}
