import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface ContentHash {
  sha256: string;
  size: number;
}

/** sha256 (hex) and byte count of a file, streamed: batch files can be larger than memory. */
export async function hashFile(filePath: string): Promise<ContentHash> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(filePath)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export function hashBuffer(data: Buffer): ContentHash {
  return { sha256: createHash('sha256').update(data).digest('hex'), size: data.length };
}
