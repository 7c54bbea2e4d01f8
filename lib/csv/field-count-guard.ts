const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Where the first record with too many fields starts. */
export interface TooWideRecord {
  line: number;
  /** The first non-blank record: the header, when the file has one. */
  first: boolean;
}

/**
 * Counts the fields of each record in the raw bytes, before csv-parse sees them: csv-parse takes seconds on a
 * record of 200,000 fields (a binary file read as text, a file of the wrong delimiter), so a file too wide for
 * the limit is refused after the first thousand or so fields instead. Quote-aware (a delimiter inside quotes
 * is text; a doubled quote toggles twice), one pass over the bytes. Only for a one-byte delimiter and quote
 * in an encoding where those are one byte (UTF-8, latin1): see `appliesTo`.
 */
export class FieldCountGuard {
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly maxFields: number;
  private inQuotes = false;
  private fields = 1;
  private recordHasText = false;
  private recordsSeen = 0;
  private line = 1;
  private recordLine = 1;

  static appliesTo(delimiter: string, quote: string, encoding: string): boolean {
    return encoding !== 'utf16le' && delimiter.length === 1 && quote.length === 1 && delimiter.charCodeAt(0) < 0x80 && quote.charCodeAt(0) < 0x80;
  }

  constructor(delimiter: string, quote: string, maxFields: number) {
    this.delimiter = delimiter.charCodeAt(0);
    this.quote = quote.charCodeAt(0);
    this.maxFields = maxFields;
  }

  /** Scans the next chunk; returns the record that has too many fields, once one does. */
  scan(chunk: Uint8Array): TooWideRecord | undefined {
    const { delimiter, quote, maxFields } = this;
    for (let index = 0; index < chunk.length; index += 1) {
      const byte = chunk[index];
      if (byte === NEWLINE) this.line += 1;
      if (byte === quote) {
        this.inQuotes = !this.inQuotes;
        this.recordHasText = true;
      } else if (this.inQuotes) {
        continue;
      } else if (byte === delimiter) {
        this.fields += 1;
        this.recordHasText = true;
        if (this.fields > maxFields) return { line: this.recordLine, first: this.recordsSeen === 0 };
      } else if (byte === NEWLINE || byte === CARRIAGE_RETURN) {
        if (this.recordHasText) this.recordsSeen += 1;
        this.fields = 1;
        this.recordHasText = false;
        this.recordLine = this.line;
      } else {
        this.recordHasText = true;
      }
    }
    return undefined;
  }
}
