import path from 'node:path';
import { InvalidRequestError } from '../errors';
import type { FileReference } from '../files/file-reference';
import { verifyFileReference } from '../files/issued-references';

// The file-persister's hand-over (lib/files): parking-lot parks exactly what it emits.
export type { FileReference };

/**
 * The file reference in msg.payload, if it is one. An object that says `kind: 'file'` but lacks what a
 * processor needs to find the file is refused rather than parked as a JSON payload by mistake, and so is
 * one this runtime did not issue (file-persister, replays) or that names a folder that is not a batch
 * folder: parking it would have the row-processor read, send and move any file a message names.
 */
export function asFileReference(payload: unknown): FileReference | undefined {
  if (payload === null || typeof payload !== 'object' || Buffer.isBuffer(payload)) return undefined;
  const candidate = payload as Partial<FileReference>;
  if (candidate.kind !== 'file') return undefined;
  const missing = (['fileName', 'folder'] as const).filter((key) => typeof candidate[key] !== 'string' || candidate[key] === '');
  if (missing.length > 0) {
    throw new InvalidRequestError(`msg.payload is a file reference without ${missing.join(' and ')}: the file cannot be found to process it`);
  }
  verifyFileReference(candidate as FileReference);
  return candidate as FileReference;
}

/** Where the file is, for messages that tell an admin where to look. */
export function locationOf(reference: FileReference): string {
  return reference.path || path.join(reference.folder, reference.fileName);
}
