import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BsyncError } from '../errors';
import { freeNameCandidates, tempNameFor } from './free-names';

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Hard links are missing on some file systems (FAT, some network shares) or refused by the kernel's protected_hardlinks. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Puts `from` into `folder` under `fileName` or the first free variant of it, on the same file system,
 * and returns the final path. `fs.rename` alone would silently replace a file of the same name, so the
 * name is claimed first: a hard link fails with EEXIST when the name is taken and is atomic; where links
 * are not available, an exclusive create reserves the name and the rename then replaces only our own
 * placeholder. Throws EXDEV untouched when `from` is on another file system.
 */
async function placeWithoutOverwrite(from: string, folder: string, fileName: string): Promise<string> {
  let useLinks = true;
  for (const candidate of freeNameCandidates(fileName)) {
    const target = path.join(folder, candidate);
    if (useLinks) {
      try {
        await fs.link(from, target);
        try {
          await fs.unlink(from);
        } catch (error) {
          // `from` stays (or another process moved it meanwhile: a second file-persister on one inbound folder):
          // our link goes, or the file would be in two places and taken twice.
          await fs.unlink(target).catch(() => undefined);
          throw error;
        }
        return target;
      } catch (error) {
        if (codeOf(error) === 'EEXIST') continue;
        if (!LINK_UNSUPPORTED.has(codeOf(error) ?? '')) throw error;
        useLinks = false;
      }
    }
    try {
      await (await fs.open(target, 'wx')).close();
    } catch (error) {
      if (codeOf(error) === 'EEXIST') continue;
      throw error;
    }
    try {
      await fs.rename(from, target);
      return target;
    } catch (error) {
      await fs.unlink(target).catch(() => undefined);
      throw error;
    }
  }
  throw new BsyncError('NO_FREE_NAME', `no free name for ${fileName} in ${folder}: too many files of that name`);
}

/** Makes a rename or a new file in `folder` survive a power cut; a no-op where folders cannot be opened (Windows). */
async function syncFolder(folder: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(folder, 'r');
    await handle.sync();
  } catch {
    // Durability of the folder entry is best effort; the file content itself was synced before.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes a temp file inside `folder` with `write`, syncs it, and only then gives it its final, free name. */
async function publishThroughTemp(folder: string, fileName: string, write: (tempPath: string) => Promise<void>): Promise<string> {
  await fs.mkdir(folder, { recursive: true });
  const temp = path.join(folder, tempNameFor(fileName));
  try {
    await write(temp);
    const handle = await fs.open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    const finalPath = await placeWithoutOverwrite(temp, folder, fileName);
    await syncFolder(folder);
    return finalPath;
  } catch (error) {
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * The fallback of moveFile when source and folder are on different file systems (EXDEV): copy to a temp
 * name in the target folder, sync, give it its free final name, and only then remove the source, so a
 * crash at any point leaves at least one complete copy.
 */
export async function copyAcrossDevices(source: string, folder: string, fileName = path.basename(source)): Promise<string> {
  const finalPath = await publishThroughTemp(folder, fileName, (temp) => fs.copyFile(source, temp, constants.COPYFILE_EXCL));
  await fs.unlink(source);
  return finalPath;
}

/**
 * Moves a file into `folder` (created when missing) and returns its final path. Never replaces a file
 * already there: the name becomes `name-1.csv`, `name-2.csv`, … instead. Atomic on one file system;
 * across file systems, see copyAcrossDevices.
 */
export async function moveFile(source: string, folder: string, fileName = path.basename(source)): Promise<string> {
  await fs.mkdir(folder, { recursive: true });
  try {
    const finalPath = await placeWithoutOverwrite(source, folder, fileName);
    await syncFolder(folder);
    return finalPath;
  } catch (error) {
    if (codeOf(error) !== 'EXDEV') throw error;
    return copyAcrossDevices(source, folder, fileName);
  }
}

/** Writes received content (an upload) into `folder` the same way a moved file arrives: whole, synced, never over another file. */
export async function writeIntoFolder(data: Buffer, folder: string, fileName: string): Promise<string> {
  return publishThroughTemp(folder, fileName, (temp) => fs.writeFile(temp, data, { flag: 'wx' }));
}
