import { InvalidRequestError } from '../errors';
import type { Store } from './open-store';

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

/**
 * PostgreSQL text cannot hold U+0000 (MySQL and SQLite keep it). A diagnostic text (an error message, the
 * excerpt of what the downstream answered) keeps everything else there, with U+FFFD in place of each NUL:
 * an answer that cannot be stored byte for byte must not fail the write that settles its row.
 */
export function diagnosticText<T extends string | null | undefined>(store: Store, text: T): T {
  if (store.dialect !== 'postgres' || typeof text !== 'string' || !text.includes(NUL)) return text;
  return text.split(NUL).join(REPLACEMENT) as T;
}

/** A text the store must keep as it is (a payload): on PostgreSQL one holding U+0000 is refused, saying where. */
export function assertStorableText(store: Store, what: string, text: string | null | undefined, context: { batchId?: number } = {}): void {
  if (store.dialect !== 'postgres' || typeof text !== 'string') return;
  const at = text.indexOf(NUL);
  if (at >= 0) {
    throw new InvalidRequestError(`${what} holds a NUL character (U+0000) at character ${at + 1}, which a PostgreSQL batch store cannot keep`, context);
  }
}
