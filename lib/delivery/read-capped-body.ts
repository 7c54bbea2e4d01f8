// A response body is kept for the error payload and the success check, never held whole in memory:
// the first bytes are kept, the rest is read and dropped so the connection can be reused.

export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export async function readCappedBody(body: AsyncIterable<Uint8Array>, maxBytes = MAX_RESPONSE_BODY_BYTES): Promise<string> {
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
