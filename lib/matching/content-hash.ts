import { createHash } from 'node:crypto';

/** The content hash of a body that would be sent: sha256, hex, of its exact text (UTF-8). */
export function contentHash(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}
