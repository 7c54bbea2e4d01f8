import fs from 'node:fs/promises';
import path from 'node:path';
import { describeError, FileRefusedError, InvalidRequestError } from '../errors';
import type { DuplicateLookup } from './duplicate-lookup';
import type { DuplicateFile, FileReference } from './file-reference';
import { MAX_NAME_BYTES, nameBytes } from './fit-name';
import { hashBuffer, hashFile, type ContentHash } from './hash-file';
import { issueFileReference } from './issued-references';
import { moveFile, writeIntoFolder } from './move-file';
import { resolveInboundPath } from './safe-path';

export interface PersistFolders {
  inbound: string;
  processing: string;
  duplicates: string;
}

/** A file lying in the inbound folder (a path inside it, or relative to it), or received content and its name. */
export type PersistSource = { path: string } | { data: Buffer; fileName: string };

export interface PersistOptions {
  folders: PersistFolders;
  groupType: string;
  allowDuplicates: boolean;
  /** Needed unless duplicates are allowed. */
  findDuplicate?: DuplicateLookup;
  now?: () => number;
}

function unreadable(fileName: string, error: unknown): FileRefusedError {
  return new FileRefusedError('UNREADABLE_FILE', fileName, `file "${fileName}" cannot be read: ${describeError(error)}`, error);
}

/** The code of `gone`: a file-persister's poll skips such a file quietly (see there). */
export const FILE_GONE = 'FILE_GONE';

/**
 * The file is not in the inbound folder, or left it while we took it: another file-persister polling the same
 * folder (several runtimes) moved it first, or a person did; a message may also name a file that never was.
 */
function gone(fileName: string, error: unknown): FileRefusedError {
  return new FileRefusedError(FILE_GONE, fileName, `file "${fileName}" is not (or no longer) in the inbound folder: another file-persister may have taken it`, error);
}

/** A failure to read or move an inbound file that is no longer there is `gone`; any other stays what it was. */
async function goneOr(filePath: string, fileName: string, error: unknown, otherwise: unknown): Promise<unknown> {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return otherwise;
  // lstat: a link whose target is missing is still in the folder (unreadable, not gone).
  const stillThere = await fs.lstat(filePath).then(() => true, () => false);
  return stillThere ? otherwise : gone(fileName, error);
}

function empty(fileName: string): FileRefusedError {
  return new FileRefusedError('EMPTY_FILE', fileName, `file "${fileName}" is empty (0 bytes): nothing to process, left where it was`);
}

/**
 * An upload's name becomes a file name in our folders: it must be a plain name, never a path, and without
 * control characters (CR/LF in a name would break every header, log line and CSV cell it goes into).
 */
function checkUploadName(fileName: string): void {
  const plain = typeof fileName === 'string' && fileName.trim() !== '' && !/[/\\\0]/.test(fileName) && fileName !== '.' && fileName !== '..';
  if (!plain) {
    throw new FileRefusedError('INVALID_FILE_NAME', String(fileName), `upload name ${JSON.stringify(fileName)} is refused: it must be a plain file name, without folders`);
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(fileName)) {
    throw new FileRefusedError('INVALID_FILE_NAME', fileName, `upload name ${JSON.stringify(fileName)} is refused: it contains control characters (such as a line break)`);
  }
  const bytes = nameBytes(fileName);
  if (bytes > MAX_NAME_BYTES) {
    throw new FileRefusedError(
      'INVALID_FILE_NAME',
      fileName,
      `upload name ${JSON.stringify(`${fileName.slice(0, 40)}…`)} is refused: it is ${bytes} bytes long (UTF-8), and a file name may have at most ${MAX_NAME_BYTES}`,
    );
  }
}

/** Hashes a file in place and checks that it is a non-empty regular file that did not change while being read. */
async function hashInboundFile(filePath: string, fileName: string): Promise<ContentHash> {
  // Every read of the file fails the same way: gone from the inbound folder, or unreadable.
  const refused = async (error: unknown): Promise<never> => {
    throw await goneOr(filePath, fileName, error, unreadable(fileName, error));
  };
  const before = await fs.stat(filePath).catch(refused);
  if (!before.isFile()) throw unreadable(fileName, new Error(before.isDirectory() ? 'it is a folder' : 'it is not a regular file'));
  if (before.size === 0) throw empty(fileName);
  const hash = await hashFile(filePath).catch(refused);
  // A hash of a file still being written would not describe the file we park.
  const after = await fs.stat(filePath).catch(refused);
  if (after.size !== hash.size || after.mtimeMs !== before.mtimeMs) {
    throw new FileRefusedError('FILE_CHANGING', fileName, `file "${fileName}" changed while it was read: it is still being written, try again once it is complete`);
  }
  return hash;
}

/**
 * The hand-off of one batch file: refuses what cannot be processed (outside the inbound folder, empty,
 * unreadable; the file stays where it was), hashes it, and moves it into the processing folder, or into
 * the duplicates folder when a batch with the same content is already parked for this group type and
 * duplicates are not allowed. Never overwrites a file; registers nothing (parking-lot does).
 */
export async function persistFile(source: PersistSource, options: PersistOptions): Promise<FileReference | DuplicateFile> {
  const { folders, groupType, allowDuplicates } = options;
  if (!allowDuplicates && !options.findDuplicate) {
    throw new InvalidRequestError('the duplicate check needs a batch store (or allow duplicates)');
  }
  const receivedAt = (options.now ?? Date.now)();

  let hash: ContentHash;
  let place: (folder: string) => Promise<string>;
  if ('data' in source) {
    checkUploadName(source.fileName);
    if (source.data.length === 0) throw empty(source.fileName);
    hash = hashBuffer(source.data);
    place = (folder) => writeIntoFolder(source.data, folder, source.fileName);
  } else {
    const filePath = await resolveInboundPath(folders.inbound, source.path);
    hash = await hashInboundFile(filePath, source.path);
    place = (folder) => moveFile(filePath, folder).catch(async (error: unknown) => {
      throw await goneOr(filePath, source.path, error, error);
    });
  }

  if (!allowDuplicates) {
    const duplicateOf = await options.findDuplicate!(groupType, hash.sha256);
    if (duplicateOf !== undefined) {
      const finalPath = await place(path.resolve(folders.duplicates));
      return { kind: 'duplicate', duplicateOf, fileName: path.basename(finalPath), path: finalPath, ...hash };
    }
  }
  const processing = path.resolve(folders.processing);
  const finalPath = await place(processing);
  return issueFileReference({
    kind: 'file',
    fileName: path.basename(finalPath),
    folder: processing,
    path: finalPath,
    sha256: hash.sha256,
    size: hash.size,
    receivedAt,
    groupType,
    allowDuplicates,
    duplicatesFolder: path.resolve(folders.duplicates),
  });
}
