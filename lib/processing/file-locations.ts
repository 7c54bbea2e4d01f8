import fs from 'node:fs';
import path from 'node:path';
import { isInBatchFolder, registeredBatchFolders } from '../files/batch-folders';
import { moveFile } from '../files/move-file';
import type { BatchRow } from '../store';

/**
 * Where a batch's file is now: its recorded folder, or the archive/failed folder when a runtime moved it
 * there and stopped before the batch row said so. A file outside the batch folders counts as absent: it
 * is never read (see mayReadBatchFile).
 */
export function locateBatchFile(batch: BatchRow, folders: { archive: string; failed: string }): string | undefined {
  if (!batch.file_name) return undefined;
  const candidates = [batch.folder, folders.failed, folders.archive].filter((folder): folder is string => !!folder);
  for (const folder of candidates) {
    const candidate = path.join(folder, batch.file_name);
    if (fs.existsSync(candidate) && mayReadBatchFile(candidate, folders)) return candidate;
  }
  return undefined;
}

/**
 * Defence in depth behind parking's check of file references: a batch file is read only when its real
 * path (symlinks followed) lies in a batch folder registered by this runtime's nodes, or in the
 * processor's own archive and failed folders. A runtime whose nodes registered no folder at all (only
 * dispatchers and row-processors, working on batches another runtime parked) trusts its batch store.
 */
export function mayReadBatchFile(filePath: string, folders: { archive: string; failed: string }): boolean {
  if (registeredBatchFolders().length === 0) return true;
  return isInBatchFolder(filePath, [folders.archive, folders.failed]);
}

/** Why a batch's recorded file is not read, in plain words; undefined when it may be (or is not there). */
export function batchFileRefusal(batch: BatchRow, folders: { archive: string; failed: string }): string | undefined {
  if (!batch.file_name || !batch.folder) return undefined;
  const recorded = path.join(batch.folder, batch.file_name);
  if (!fs.existsSync(recorded) || mayReadBatchFile(recorded, folders)) return undefined;
  return `file ${recorded} is outside the batch folders of this runtime (${[...registeredBatchFolders(), folders.archive, folders.failed].join(', ')}): it is not read`;
}

/** Moves a settled batch's file to the archive or failed folder; a file already there is never overwritten. */
export async function moveBatchFile(filePath: string, folder: string): Promise<string> {
  if (path.resolve(path.dirname(filePath)) === path.resolve(folder)) return filePath;
  return moveFile(filePath, folder);
}
