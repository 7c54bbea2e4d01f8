import type { Readable } from 'node:stream';

export interface RawLine {
  /** Physical line in the file, 1-based. */
  line: number;
  /** The line's bytes without its line break (LF or CRLF); undefined when it was longer than the limit. */
  bytes?: Buffer;
  /** The line's length in bytes, also when it was too long to keep. */
  length: number;
}

/**
 * Splits a byte stream into lines without decoding it, so a line with bad UTF-8 is found and reported on
 * its own instead of being turned into replacement characters. A line longer than `maxLineBytes` is not
 * buffered: its bytes are dropped as they come and it is handed on as too long.
 */
export async function* splitLines(source: Readable, maxLineBytes: number): AsyncGenerator<RawLine, void, undefined> {
  let parts: Buffer[] = [];
  let partsLength = 0;
  let tooLong = false;
  let line = 0;
  const take = (tail: Buffer): RawLine => {
    line += 1;
    const length = partsLength + tail.length;
    let bytes: Buffer | undefined;
    if (!tooLong && length <= maxLineBytes) {
      bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail], length);
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    }
    parts = [];
    partsLength = 0;
    tooLong = false;
    return { line, bytes, length };
  };
  for await (const chunk of source as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      yield take(chunk.subarray(start, end));
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      partsLength += rest.length;
      if (tooLong || partsLength > maxLineBytes) tooLong = true;
      else parts.push(rest);
    }
  }
  if (partsLength > 0 || tooLong) yield take(Buffer.alloc(0));
}
