// A download's Content-Disposition built from a batch file's name, which may hold anything a sender
// chose: quotes, semicolons, CR/LF (from before names were checked), letters outside ASCII.

/** RFC 8187 attr-char: what may stand unencoded in `filename*`. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function encodeExtValue(text: string): string {
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The name for clients that do not read `filename*`: printable ASCII only, without the characters a
 * quoted string or a naive parser trips over (`"`, `\`, `;`, `%`); each other character becomes `_`.
 */
export function asciiFileName(fileName: string): string {
  const fallback = [...fileName].map((char) => (/^[\x20-\x7e]$/.test(char) && !/["\\;%]/.test(char) ? char : '_')).join('');
  return fallback.trim() === '' ? 'download' : fallback;
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<the name, percent-encoded>` (RFC 6266):
 * one header line whatever the name holds, so a name can neither break the header nor add another.
 */
export function contentDisposition(fileName: string, type: 'attachment' | 'inline' = 'attachment'): string {
  return `${type}; filename="${asciiFileName(fileName)}"; filename*=UTF-8''${encodeExtValue(fileName)}`;
}

/** The headers of a CSV download (an error-payload export) for an http response node. */
export function csvDownloadHeaders(fileName: string): Record<string, string> {
  return { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': contentDisposition(fileName) };
}
