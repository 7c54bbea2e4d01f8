import fs from 'node:fs/promises';
import path from 'node:path';
import { FileRefusedError } from '../errors';

/** True when `candidate` is `folder` itself or lies below it (both absolute, normalized). */
export function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

function outside(fileName: string, inbound: string, why: string): FileRefusedError {
  return new FileRefusedError('PATH_OUTSIDE_INBOUND', fileName, `file "${fileName}" is refused: ${why} the inbound folder ${inbound}`);
}

/**
 * The real path of a file named by a flow (`msg.filename`), which must lie inside the inbound folder:
 * relative names are taken from the inbound folder, and `../`, absolute paths elsewhere and symlinks that
 * lead out of the folder are refused with PATH_OUTSIDE_INBOUND. A name that does not exist yet passes
 * (reading it later says why it is unreadable), as long as its parent folder is inside.
 */
export async function resolveInboundPath(inbound: string, fileName: string): Promise<string> {
  if (typeof fileName !== 'string' || fileName.trim() === '' || fileName.includes('\0')) {
    throw new FileRefusedError('INVALID_FILE_NAME', String(fileName), `file name ${JSON.stringify(fileName)} is not a usable path`);
  }
  const folder = path.resolve(inbound);
  const candidate = path.resolve(folder, fileName);
  if (!isInside(folder, candidate)) throw outside(fileName, folder, 'it is outside');

  // The lexical check alone would let a symlink (the file or a folder on the way) point anywhere.
  let realFolder: string;
  try {
    realFolder = await fs.realpath(folder);
  } catch (error) {
    throw new FileRefusedError('UNREADABLE_FILE', fileName, `file "${fileName}" cannot be read: inbound folder ${folder} is not available (${(error as Error).message})`, error);
  }
  let realCandidate: string;
  try {
    realCandidate = await fs.realpath(candidate);
  } catch {
    realCandidate = path.join(await fs.realpath(path.dirname(candidate)).catch(() => path.dirname(candidate)), path.basename(candidate));
  }
  if (!isInside(realFolder, realCandidate)) throw outside(fileName, folder, `its real path ${realCandidate} is outside`);
  return realCandidate;
}
