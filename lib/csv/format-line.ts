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
