import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvFormatError } from './csv-format-error';
import type { CsvEncoding } from './csv-options';
import { FieldCountGuard } from './field-count-guard';

/** Text files have no NUL bytes near the start; binary formats (images, archives, spreadsheets) nearly always do. */
const BINARY_SNIFF_BYTES = 8192;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface DecodeLimits {
  /** Longest physical line, in bytes. */
  maxLineBytes?: number;
  /** Most fields of a record, counted in the bytes (one-byte delimiter and quote, UTF-8 or latin1 only). */
  maxFields?: { delimiter: string; quote: string; max: number; header: boolean };
}

/**
 * Sits between the file and csv-parse: refuses binary content, NUL bytes anywhere, over-long lines and invalid
 * UTF-8 up front, and hands csv-parse UTF-8 whatever the file's encoding, so the parser and the line counting
 * downstream see one encoding only.
 */
export class CsvDecodeStream extends Transform {
  /** Bytes read from the file so far: zero at the end means a zero-byte file. */
  bytesRead = 0;
  private readonly fileName: string;
  private readonly encoding: CsvEncoding;
  private readonly maxLineBytes: number;
  private readonly utf8Validator?: TextDecoder;
  private readonly transcoder?: StringDecoder;
  private newlinesBefore = 0;
  /** Bytes since the last newline: a line without end (a 50 MB single line) is refused before it fills memory. */
  private lineBytes = 0;
  /** UTF-16: a chunk that ended in the middle of a character ended with this byte. */
  private oddByte?: number;
  private readonly fieldGuard?: FieldCountGuard;
  private readonly maxFields?: number;
  private readonly hasHeader: boolean;

  constructor(fileName: string, encoding: CsvEncoding, limits: DecodeLimits = {}) {
    super();
    this.fileName = fileName;
    this.encoding = encoding;
    this.maxLineBytes = limits.maxLineBytes ?? Number.POSITIVE_INFINITY;
    const fields = limits.maxFields;
    this.hasHeader = fields?.header ?? true;
    if (fields && FieldCountGuard.appliesTo(fields.delimiter, fields.quote, encoding)) {
      this.fieldGuard = new FieldCountGuard(fields.delimiter, fields.quote, fields.max);
      this.maxFields = fields.max;
    }
    if (encoding === 'utf8') this.utf8Validator = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    // StringDecoder, not TextDecoder: WHATWG's "latin1" is really windows-1252, and we want true ISO-8859-1.
    else this.transcoder = new StringDecoder(encoding);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const start = this.bytesRead;
    this.bytesRead += chunk.length;
    try {
      this.refuseNul(chunk, start);
      this.checkLineLengths(chunk);
      this.checkFieldCounts(chunk);
      callback(null, this.toUtf8(chunk, start));
    } catch (error) {
      callback(error as Error);
    }
    this.newlinesBefore += countNewlines(chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.utf8Validator) this.validateUtf8End();
      const rest = this.transcoder?.end() ?? '';
      callback(null, rest ? Buffer.from(rest, 'utf8') : undefined);
    } catch (error) {
      callback(error as Error);
    }
  }

  private toUtf8(chunk: Buffer, start: number): Buffer {
    if (this.transcoder) return Buffer.from(this.transcoder.write(chunk), 'utf8');
    try {
      this.utf8Validator!.decode(chunk, { stream: true });
    } catch (cause) {
      const offset = firstInvalidUtf8Offset(chunk);
      throw this.encodingError(start + offset, this.newlinesBefore + countNewlines(chunk.subarray(0, offset)) + 1, cause);
    }
    // Valid UTF-8 goes through untouched: csv-parse decodes it (and strips the BOM) itself.
    return chunk;
  }

  private validateUtf8End(): void {
    try {
      this.utf8Validator!.decode();
    } catch (cause) {
      throw this.encodingError(this.bytesRead, this.newlinesBefore + 1, cause);
    }
  }

  private encodingError(byteOffset: number, line: number, cause: unknown): CsvFormatError {
    return new CsvFormatError(
      'CSV_ENCODING',
      this.fileName,
      `the file is not valid UTF-8 (near byte ${byteOffset}); save it as UTF-8 or set the encoding (latin1, utf16le)`,
      { line, byteOffset, cause },
    );
  }

  /**
   * A NUL byte is never text: near the start it means a binary file; later, a damaged file, whose NUL would
   * otherwise reach the downstream as \u0000 inside a value. Checked in every chunk (memchr-fast).
   */
  private refuseNul(chunk: Buffer, start: number): void {
    const nul = this.encoding === 'utf16le' ? this.findUtf16Nul(chunk, start) : chunk.indexOf(0);
    if (nul === undefined || (nul === -1 && this.encoding !== 'utf16le')) return;
    const byteOffset = start + nul;
    if (byteOffset < BINARY_SNIFF_BYTES) {
      const hint = this.encoding === 'utf16le' ? '' : ' (if it is UTF-16 text, set the encoding to utf16le)';
      throw new CsvFormatError('CSV_BINARY', this.fileName, `this is a binary file, not CSV text: it holds NUL bytes near byte ${byteOffset}${hint}`, {
        byteOffset,
      });
    }
    const line = this.newlinesBefore + countNewlines(chunk.subarray(0, Math.max(0, nul))) + 1;
    throw new CsvFormatError('CSV_BINARY', this.fileName, `a NUL byte (0x00) at byte ${byteOffset}: text holds none, the file is damaged or not CSV text; nothing was sent`, {
      line,
      byteOffset,
    });
  }

  /**
   * In UTF-16LE text, NUL bytes are normal; a whole NUL character (an aligned 00 00 pair) is not. Returns its
   * index in the chunk (-1: it began with the last byte of the chunk before), or undefined.
   */
  private findUtf16Nul(chunk: Buffer, start: number): number | undefined {
    const straddling = this.oddByte === 0 && chunk.length > 0 && chunk[0] === 0;
    this.oddByte = (start + chunk.length) % 2 === 1 ? chunk[chunk.length - 1] : undefined;
    if (straddling) return -1;
    for (let at = chunk.indexOf(0); at !== -1 && at + 1 < chunk.length; at = chunk.indexOf(0, at + 1)) {
      if ((start + at) % 2 === 0 && chunk[at + 1] === 0) return at;
    }
    return undefined;
  }

  private checkFieldCounts(chunk: Buffer): void {
    const tooWide = this.fieldGuard?.scan(chunk);
    if (!tooWide) return;
    const header = tooWide.first && this.hasHeader;
    const problem = header
      ? `the header has more than ${this.maxFields} columns, the limit (the maxColumns option)`
      : `this row has more than ${this.maxFields} fields, the limit (the maxColumns option)`;
    throw new CsvFormatError(header ? 'CSV_HEADER' : 'CSV_MALFORMED', this.fileName, problem, { line: tooWide.line });
  }

  private checkLineLengths(chunk: Buffer): void {
    if (this.maxLineBytes === Number.POSITIVE_INFINITY) return;
    let lineStart = 0;
    let newlines = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) {
      this.refuseLongLine(this.runBefore(chunk, lineStart, at), newlines);
      this.lineBytes = 0;
      lineStart = at + 1;
      newlines += 1;
    }
    this.lineBytes = this.runBefore(chunk, lineStart, chunk.length);
    this.refuseLongLine(this.lineBytes, newlines);
  }

  /**
   * Bytes of the line that ends at `end`, begun `lineStart` bytes into the chunk (or before it). A file whose
   * lines end in CR alone (csv-parse reads those too) has its line breaks counted only when it matters.
   */
  private runBefore(chunk: Buffer, lineStart: number, end: number): number {
    const run = this.lineBytes + end - lineStart;
    if (run <= this.maxLineBytes && end < chunk.length) return run;
    const carriageReturn = end > lineStart ? chunk.lastIndexOf(CARRIAGE_RETURN, end - 1) : -1;
    return carriageReturn >= lineStart ? end - carriageReturn - 1 : run;
  }

  private refuseLongLine(bytes: number, newlinesInChunk: number): void {
    if (bytes <= this.maxLineBytes) return;
    throw new CsvFormatError(
      'CSV_MALFORMED',
      this.fileName,
      `this line is longer than ${this.maxLineBytes} bytes, the limit of a row: the file is probably not CSV, or not the file meant`,
      { line: this.newlinesBefore + newlinesInChunk + 1 },
    );
  }
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/**
 * Where in a chunk the first invalid sequence is, for the error message only. A character split across the
 * previous chunk leaves up to 3 continuation bytes at the start, which a fresh decoder would reject: skip them.
 * Binary search on prefixes: a prefix that decodes in stream mode holds no invalid byte.
 */
function firstInvalidUtf8Offset(chunk: Buffer): number {
  let skip = 0;
  while (skip < 3 && skip < chunk.length && (chunk[skip] & 0xc0) === 0x80) skip += 1;
  let valid = skip;
  let invalid = chunk.length + 1;
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    if (decodesInStreamMode(chunk.subarray(skip, middle))) valid = middle;
    else invalid = middle;
  }
  return invalid > chunk.length ? 0 : invalid - 1;
}

function decodesInStreamMode(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
