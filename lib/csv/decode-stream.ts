import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvFormatError } from './csv-format-error';
import type { CsvEncoding } from './csv-options';

/** Text files have no NUL bytes near the start; binary formats (images, archives, spreadsheets) nearly always do. */
const BINARY_SNIFF_BYTES = 8192;
const NEWLINE = 0x0a;

/**
 * Sits between the file and csv-parse: refuses binary content and invalid UTF-8 up front, and hands csv-parse
 * UTF-8 whatever the file's encoding, so the parser and the line counting downstream see one encoding only.
 */
export class CsvDecodeStream extends Transform {
  /** Bytes read from the file so far: zero at the end means a zero-byte file. */
  bytesRead = 0;
  private readonly fileName: string;
  private readonly encoding: CsvEncoding;
  private readonly utf8Validator?: TextDecoder;
  private readonly transcoder?: StringDecoder;
  private newlinesBefore = 0;

  constructor(fileName: string, encoding: CsvEncoding) {
    super();
    this.fileName = fileName;
    this.encoding = encoding;
    if (encoding === 'utf8') this.utf8Validator = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    // StringDecoder, not TextDecoder: WHATWG's "latin1" is really windows-1252, and we want true ISO-8859-1.
    else this.transcoder = new StringDecoder(encoding);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const start = this.bytesRead;
    this.bytesRead += chunk.length;
    try {
      if (start < BINARY_SNIFF_BYTES) this.refuseBinary(chunk, start);
      callback(null, this.toUtf8(chunk, start));
    } catch (error) {
      callback(error as Error);
    }
    // Only UTF-8 errors are located by line; other encodings need no counting.
    if (this.utf8Validator) this.newlinesBefore += countNewlines(chunk);
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

  private refuseBinary(chunk: Buffer, start: number): void {
    const sniffed = chunk.subarray(0, BINARY_SNIFF_BYTES - start);
    const nul = this.encoding === 'utf16le' ? findUtf16Nul(sniffed, start) : sniffed.indexOf(0);
    if (nul === -1) return;
    const hint = this.encoding === 'utf16le' ? '' : ' (if it is UTF-16 text, set the encoding to utf16le)';
    throw new CsvFormatError('CSV_BINARY', this.fileName, `this is a binary file, not CSV text: it holds NUL bytes near byte ${start + nul}${hint}`, {
      byteOffset: start + nul,
    });
  }
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** In UTF-16LE text, NUL bytes are normal; a whole NUL character (an aligned 00 00 pair) is not. */
function findUtf16Nul(bytes: Buffer, fileOffset: number): number {
  for (let at = fileOffset % 2; at + 1 < bytes.length; at += 2) {
    if (bytes[at] === 0 && bytes[at + 1] === 0) return at;
  }
  return -1;
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
