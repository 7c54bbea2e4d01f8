import { createHash } from 'node:crypto';

/** Longest file name (one path segment) on Linux, macOS and Windows file systems: 255 bytes, UTF-8 on Linux. */
export const MAX_NAME_BYTES = 255;
/** Room a derived name leaves for the free-name suffix a move may add (`-1` … `-9999`). */
export const FREE_SUFFIX_BYTES = 5;

const HASH_CHARS = 8;

/**
 * `stem + suffix + extension`, shortened to fit in `maxBytes` (UTF-8) when it is too long: the end of the
 * stem gives way to `~` and a short hash of the whole name, so the suffix and extension survive (a replay file
 * keeps `.replay-7.csv`) and two long names that begin alike stay apart. Never splits a character.
 */
export function fitName(stem: string, suffix = '', extension = '', maxBytes = MAX_NAME_BYTES): string {
  const whole = `${stem}${suffix}${extension}`;
  if (Buffer.byteLength(whole) <= maxBytes) return whole;
  const hash = createHash('sha256').update(whole).digest('hex').slice(0, HASH_CHARS);
  const tail = `~${hash}${suffix}${extension}`;
  let budget = maxBytes - Buffer.byteLength(tail);
  if (budget < 1 && extension) {
    // An "extension" longer than the name allows is no extension: cut it with the stem.
    return fitName(`${stem}${extension}`, suffix, '', maxBytes);
  }
  if (budget < 0) throw new RangeError(`a name ending in ${JSON.stringify(suffix)} cannot fit in ${maxBytes} bytes`);
  let kept = '';
  for (const character of stem) {
    const bytes = Buffer.byteLength(character);
    if (bytes > budget) break;
    kept += character;
    budget -= bytes;
  }
  return `${kept}${tail}`;
}

/** The bytes of a name, as the file system counts them (UTF-8). */
export function nameBytes(name: string): number {
  return Buffer.byteLength(name);
}
