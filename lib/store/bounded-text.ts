// Texts we store from outside (a downstream's answer, a parser's message, a cell quoted in a reason) can be
// of any length: a 50 MB line quoted in a batch error would make every list of batches 50 MB. Each is cut
// to a size a person reads, and says how long it was, so nobody mistakes the excerpt for the whole.

/** Characters kept of a stored error, error detail or event detail: a few KB, a screenful for a person. */
export const MAX_STORED_TEXT_CHARS = 4000;

/**
 * `text` itself when it fits in `maxChars`, else its start and a note of its full length, `maxChars` long
 * at most. Never splits a UTF-16 surrogate pair, so the excerpt stays valid text for a UTF-8 column.
 */
export function boundText(text: string, maxChars = MAX_STORED_TEXT_CHARS): string {
  if (text.length <= maxChars) return text;
  const note = `… [cut: ${text.length} characters in all]`;
  let end = Math.max(0, maxChars - note.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${note}`.slice(0, maxChars);
}

/** boundText for a nullable column: null stays null. */
export function boundNullableText(text: string | null | undefined, maxChars = MAX_STORED_TEXT_CHARS): string | null {
  return text === null || text === undefined ? null : boundText(text, maxChars);
}

/**
 * JSON of `value`, at most `maxChars` long and always valid JSON: a value whose JSON is too long is stored
 * as `{"cut": "<n> characters in all", "excerpt": "<the start of its JSON>"}`, so an audit trail reader still
 * sees what it was about.
 */
export function boundJson(value: unknown, maxChars = MAX_STORED_TEXT_CHARS): string {
  const json = JSON.stringify(value);
  if (json.length <= maxChars) return json;
  // Escapes (\n, \", \u0000) make the excerpt's JSON longer than the excerpt: shrink until it fits.
  let excerptChars = maxChars;
  for (;;) {
    let end = Math.min(json.length, excerptChars);
    if (end > 0 && isHighSurrogate(json.charCodeAt(end - 1))) end -= 1;
    const bounded = JSON.stringify({ cut: `${json.length} characters in all`, excerpt: json.slice(0, end) });
    if (bounded.length <= maxChars || end === 0) return bounded;
    excerptChars = Math.max(0, Math.floor(end - (bounded.length - maxChars) / 2) - 1);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
