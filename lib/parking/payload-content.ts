import { InvalidRequestError } from '../errors';

export interface PayloadContent {
  /** Exactly what will be stored and later sent: never re-encoded. */
  text: string;
  contentType: string;
}

const SOAP_ENVELOPE = /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<([\w.-]+:)?Envelope[\s>]/;

/**
 * The stored form of a single payload: an object as JSON, a string or Buffer as the text it is. The content
 * type comes from the sender (`msg.contentType`) when given, else from a look at the text itself.
 */
export function payloadContent(payload: unknown, contentType?: string): PayloadContent {
  if (Buffer.isBuffer(payload)) return textContent(payload.toString('utf8'), contentType);
  if (typeof payload === 'string') return textContent(payload, contentType);
  if (payload !== null && typeof payload === 'object') {
    return { text: JSON.stringify(payload), contentType: contentType ?? 'application/json' };
  }
  throw new InvalidRequestError(
    `nothing to park: msg.payload must be a file reference, an object, a string or a Buffer, not ${payload === null ? 'null' : typeof payload}`,
  );
}

function textContent(text: string, contentType: string | undefined): PayloadContent {
  if (text.trim() === '') throw new InvalidRequestError('nothing to park: msg.payload is an empty text');
  return { text, contentType: contentType ?? sniffContentType(text) };
}

export function sniffContentType(text: string): string {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<')) return SOAP_ENVELOPE.test(start) ? 'application/soap+xml' : 'application/xml';
  // A JSON text that came in as a string (a file read, an MQTT message) is still JSON to the API.
  if ((start.startsWith('{') || start.startsWith('[')) && isJson(start)) return 'application/json';
  return 'text/plain';
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
