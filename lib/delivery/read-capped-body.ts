// A response body is kept for the error payload and the success check, never held whole in memory:
// the first bytes are kept, the rest is read and dropped so the connection can be reused.
import { finished, Readable } from 'node:stream';

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export async function readCappedBody(body: AsyncIterable<Uint8Array>, maxBytes = MAX_RESPONSE_BODY_BYTES): Promise<string> {
  if (body instanceof Readable) return readStream(body, maxBytes);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  for await (const chunk of body) {
    if (keptBytes >= maxBytes) continue;
    const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, maxBytes - keptBytes));
    kept.push(Buffer.from(part));
    keptBytes += part.byteLength;
  }
  return Buffer.concat(kept).toString('utf8');
}

/**
 * The same for a stream (undici's response body), read through its events: an async iterator over a
 * stream costs more than the small answer it reads. Fails as the iterator would (stream errors, premature close).
 */
function readStream(body: Readable, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    body.on('data', (chunk: Uint8Array) => {
      if (keptBytes >= maxBytes) return;
      const part = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.byteLength, maxBytes - keptBytes));
      kept.push(Buffer.from(part));
      keptBytes += part.byteLength;
    });
    finished(body, (error) => (error ? reject(error) : resolve(Buffer.concat(kept).toString('utf8'))));
  });
}
