import crypto from 'node:crypto';
import path from 'node:path';
import { FileRefusedError } from '../errors';
import { isBatchFolder } from './batch-folders';
import type { FileReference } from './file-reference';

// A file reference in msg.payload is only a claim: any node can build `{kind: 'file', folder: '/etc',
// fileName: 'passwd'}`. Ours carry proof that this runtime issued them: an HMAC with a key made when the
// process starts, held in memory only (never stored, logged or sent), so a reference cannot be forged
// and does not outlive the process that issued it.
const key = crypto.randomBytes(32);

/** What a signature covers: where the file is and what it contains, and where a duplicate of it may go. */
type SignedFields = Pick<FileReference, 'folder' | 'fileName' | 'sha256' | 'size' | 'duplicatesFolder'>;

function signatureOf(fields: SignedFields): string {
  // A JSON array keeps the fields apart: no folder/name split can be shifted to sign another path.
  const text = JSON.stringify([fields.folder, fields.fileName, fields.sha256, fields.size, fields.duplicatesFolder ?? null]);
  return crypto.createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** The reference with its proof of origin: for file-persister, replays and extracts, never for a flow's own objects. */
export function issueFileReference(reference: Omit<FileReference, 'signature'>): FileReference {
  return { ...reference, signature: signatureOf(reference) };
}

function untrusted(reference: Partial<FileReference>, why: string): FileRefusedError {
  const name = typeof reference.fileName === 'string' ? reference.fileName : '';
  return new FileRefusedError('UNTRUSTED_FILE_REFERENCE', name, `file reference ${JSON.stringify(name)} in ${JSON.stringify(reference.folder)} is refused: ${why}; nothing was read or moved`);
}

/**
 * Throws FileRefusedError UNTRUSTED_FILE_REFERENCE unless `reference` was issued by this runtime, is
 * unchanged since, and names a plain file in a registered batch folder (symlinks followed). Touches no
 * file: a forged reference learns nothing about what exists.
 */
export function verifyFileReference(reference: FileReference): void {
  const { fileName, folder, signature } = reference;
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) {
    throw untrusted(reference, 'it was not issued by a file-persister of this runtime (only those, and replays, hand on files to park)');
  }
  const expected = Buffer.from(signatureOf(reference), 'hex');
  if (!crypto.timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    throw untrusted(reference, 'it was changed after a file-persister of this runtime issued it, or another runtime issued it');
  }
  if (fileName !== path.basename(fileName) || fileName === '..' || fileName === '.' || fileName.includes('\\')) {
    throw untrusted(reference, 'its file name is a path');
  }
  if (reference.path !== undefined && path.resolve(reference.path) !== path.join(path.resolve(folder), fileName)) {
    throw untrusted(reference, `its path ${JSON.stringify(reference.path)} is not its folder and file name`);
  }
  if (!isBatchFolder(folder)) {
    throw untrusted(reference, 'its folder is not a batch folder of this runtime (the processing folder of a running file-persister)');
  }
}
