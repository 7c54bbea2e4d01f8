import { InvalidRequestError } from '../errors';

export type CsvEncoding = 'utf8' | 'latin1' | 'utf16le';

export interface CsvOptions {
  /** Field separator, default ','. */
  delimiter?: string;
  /** Quote character, default '"'. */
  quote?: string;
  /** Text encoding of the file, default 'utf8'. */
  encoding?: CsvEncoding;
  /** Default true: the first line holds the column names. */
  header?: boolean;
  /**
   * With header=true: column names the header must contain (extra columns are allowed).
   * With header=false: the names of the fields, in order (required then).
   */
  columns?: string[];
  /**
   * Most fields a line may have (header or row), default 1000: a file wider than that is refused at once with
   * the reason, before any per-column work (200,000 columns would otherwise stall the runtime).
   */
  maxColumns?: number;
  /**
   * Longest row, in bytes of a line and characters of a record, default 4 MiB: a longer one (a 50 MB line, a
   * quote never closed) fails the file with a short message instead of filling memory.
   */
  maxRowBytes?: number;
}

export const DEFAULT_MAX_COLUMNS = 1000;
export const DEFAULT_MAX_ROW_BYTES = 4 * 1024 * 1024;

export type ResolvedCsvOptions = Required<Omit<CsvOptions, 'columns'>> & { columns?: string[] };

export function resolveCsvOptions(options: CsvOptions = {}): ResolvedCsvOptions {
  return {
    delimiter: options.delimiter ?? ',',
    quote: options.quote ?? '"',
    encoding: options.encoding ?? 'utf8',
    header: options.header ?? true,
    columns: options.columns,
    maxColumns: positiveLimit('maxColumns', options.maxColumns ?? DEFAULT_MAX_COLUMNS),
    maxRowBytes: positiveLimit('maxRowBytes', options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES),
  };
}

function positiveLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidRequestError(`the CSV option ${name} must be a whole number of at least 1, not ${String(value)}`);
  return value;
}
