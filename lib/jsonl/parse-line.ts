/** What one line of a JSON Lines file holds: a record, or the reason it is not one. */
export type ParsedLine = { record: Record<string, unknown> } | { error: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One line as a JSON object. JSON.parse keeps strings, booleans, nulls and nested values as they are; a
 * number it cannot hold exactly (an integer beyond 2^53) is refused rather than rounded.
 */
export function parseLine(bytes: Buffer, firstLine: boolean): ParsedLine {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { error: 'the line is not valid UTF-8 text' };
  }
  if (firstLine && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `the line is not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `the line holds ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not a JSON object` };
  }
  const inexact = findInexactNumber(value);
  if (inexact !== undefined) {
    return { error: `the number at ${inexact} is too large to read exactly; write it as a string` };
  }
  return { record: value as Record<string, unknown> };
}

/** Where the first integer beyond Number.MAX_SAFE_INTEGER is (a JSON path), if any. */
function findInexactNumber(value: unknown, at = '$'): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) ? at : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findInexactNumber(value[index], `${at}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = findInexactNumber((value as Record<string, unknown>)[key], `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/** A blank line (spaces, tabs only) is skipped, not counted, as CSV skips empty lines. */
export function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09) return false;
  }
  return true;
}
