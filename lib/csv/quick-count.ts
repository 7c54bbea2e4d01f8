import { Writable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Why the quick count gave up: the file needs the parser (a quote, a CR alone, mixed line endings). */
export class NeedsParser extends Error {}

/**
 * Counts the records of CSV text (the decoder's UTF-8 output, as csv-parse gets it) without parsing it, in the
 * plain case only: no quote character anywhere, and every line ending in LF or every one in CRLF. There
 * csv-parse's records are exactly the lines that are not empty (skip_empty_lines), and its fields the text
 * between delimiters; a UTF-8 BOM at the start is not text. Anything else fails with NeedsParser, and the
 * caller parses the file: this never decides a file csv-parse would read differently. The first record's text
 * is kept (a header). Scanning is indexOf over each chunk (memchr), not a step per byte.
 */
export class QuickRecordCounter extends Writable {
  /** Records (non-empty lines) so far. */
  records = 0;
  private readonly quote: number;
  private lineEnding?: 'lf' | 'crlf';
  /** Bytes of the current line so far: an empty line is no record. */
  private lineBytes = 0;
  /** The chunk before ended in a CR: this one must begin with its LF. */
  private carriageReturnPending = false;
  /** The file's first bytes, until there are enough to tell whether they are a BOM. */
  private head?: Buffer = Buffer.alloc(0);
  private firstRecordParts?: Buffer[] = [];
  private firstRecord?: Buffer;
  /** Where the chunk being scanned has its next CR at or after the line looked at (Infinity: none left). */
  private carriageReturnAt = -1;

  constructor(quote: string) {
    super();
    this.quote = quote.charCodeAt(0);
  }

  /** The first record as text (the header); undefined for a file without records. */
  get firstRecordText(): string | undefined {
    return this.firstRecord?.toString('utf8');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      const text = this.withoutBom(chunk);
      if (text) this.scan(text);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    // A file of fewer than three bytes, or ending in a CR: the parser's own cases, left to it.
    if (this.head) callback(new NeedsParser('a file of fewer than three bytes'));
    else if (this.carriageReturnPending) callback(new NeedsParser('the file ends in a carriage return'));
    else {
      this.endLine();
      callback();
    }
  }

  private withoutBom(chunk: Buffer): Buffer | undefined {
    if (!this.head) return chunk;
    const head = Buffer.concat([this.head, chunk]);
    if (head.length < UTF8_BOM.length) {
      this.head = head;
      return undefined;
    }
    this.head = undefined;
    return head.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? head.subarray(UTF8_BOM.length) : head;
  }

  private scan(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (chunk.indexOf(this.quote) !== -1) throw new NeedsParser('a quote');
    this.carriageReturnAt = -1;
    let lineStart = 0;
    if (this.carriageReturnPending) {
      if (chunk[0] !== NEWLINE) throw new NeedsParser('a carriage return alone');
      this.carriageReturnPending = false;
      this.lineEnding ??= 'crlf';
      this.endLine();
      lineStart = 1;
    }
    for (let at = chunk.indexOf(NEWLINE, lineStart); at !== -1; at = chunk.indexOf(NEWLINE, lineStart)) {
      const ending = at > lineStart && chunk[at - 1] === CARRIAGE_RETURN ? 'crlf' : 'lf';
      this.lineEnding ??= ending;
      if (ending !== this.lineEnding) throw new NeedsParser('mixed line endings');
      const contentEnd = ending === 'crlf' ? at - 1 : at;
      this.addText(chunk, lineStart, contentEnd);
      this.endLine();
      lineStart = at + 1;
    }
    let end = chunk.length;
    if (end > lineStart && chunk[end - 1] === CARRIAGE_RETURN) {
      // Maybe the first half of a CRLF split between two chunks.
      if (this.lineEnding === 'lf') throw new NeedsParser('a carriage return in a file of LF lines');
      this.carriageReturnPending = true;
      end -= 1;
    }
    this.addText(chunk, lineStart, end);
  }

  /** Text of a line (no CR may be in it: a CR is only ever the first half of a line's CRLF). */
  private addText(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    // Searched again only once the line passed the last one found: one search per chunk for LF lines, not
    // one to the end of the chunk for every line.
    if (this.carriageReturnAt !== Infinity && this.carriageReturnAt < from) {
      const found = chunk.indexOf(CARRIAGE_RETURN, from);
      this.carriageReturnAt = found === -1 ? Infinity : found;
    }
    const carriageReturn = this.carriageReturnAt;
    if (carriageReturn < to) throw new NeedsParser('a carriage return inside a line');
    this.lineBytes += to - from;
    this.firstRecordParts?.push(chunk.subarray(from, to));
  }

  private endLine(): void {
    if (this.lineBytes > 0) this.endRecord();
  }

  private endRecord(): void {
    this.records += 1;
    this.lineBytes = 0;
    if (this.firstRecordParts) {
      this.firstRecord = Buffer.concat(this.firstRecordParts);
      this.firstRecordParts = undefined;
    }
  }
}
