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
    const lastLine = this.inQuotes ? -1 : this.skipPlainLines(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    return this.scanBytes(chunk, lastLine === -1 ? 0 : lastLine);
  }

  /**
   * A chunk without a quote, begun outside quotes, whose lines are all shorter than the limit, holds no record
   * too wide (a record is a line there, and has at most one field more than its bytes): then the counters are
   * brought to where the byte-by-byte scan would have them at the start of the chunk's last line, with indexOf
   * (memchr), and the index of that line is returned. -1, and nothing changed, when that cannot be told so.
   */
  private skipPlainLines(buffer: Buffer): number {
    if (buffer.indexOf(this.quote) !== -1) return -1;
    const firstNewline = buffer.indexOf(NEWLINE);
    if (firstNewline === -1) return -1;
    // The record going on from the chunk before: its fields so far, and at most one more a byte up to its end.
    if (this.fields + firstNewline > this.maxFields) return -1;
    let newlines = 1;
    let lastNewline = firstNewline;
    for (let at = buffer.indexOf(NEWLINE, firstNewline + 1); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) {
      if (at - lastNewline > this.maxFields) return -1;
      newlines += 1;
      lastNewline = at;
    }
    // After the last LF, CRs may end records too: those are skipped as well, so that stretch is bounded alike.
    if (buffer.length - lastNewline > this.maxFields) return -1;
    // The last line starts after the last line break, which may be a CR after the last LF.
    const lastBreak = Math.max(lastNewline, buffer.lastIndexOf(CARRIAGE_RETURN));
    // Whether any record ended by a line break of this chunk had text: a byte other than a line break before the last one.
    if (this.recordsSeen === 0) {
      let text = this.recordHasText;
      for (let index = 0; !text && index < lastBreak; index += 1) text = buffer[index] !== NEWLINE && buffer[index] !== CARRIAGE_RETURN;
      if (text) this.recordsSeen = 1;
    }
    this.line += newlines;
    this.recordLine = this.line;
    this.fields = 1;
    this.recordHasText = false;
    return lastBreak + 1;
  }

  private scanBytes(chunk: Uint8Array, from: number): TooWideRecord | undefined {
    const { delimiter, quote, maxFields } = this;
    for (let index = from; index < chunk.length; index += 1) {
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
