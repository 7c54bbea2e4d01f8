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
}

export type ResolvedCsvOptions = Required<Omit<CsvOptions, 'columns'>> & { columns?: string[] };

export function resolveCsvOptions(options: CsvOptions = {}): ResolvedCsvOptions {
  return {
    delimiter: options.delimiter ?? ',',
    quote: options.quote ?? '"',
    encoding: options.encoding ?? 'utf8',
    header: options.header ?? true,
    columns: options.columns,
  };
}
