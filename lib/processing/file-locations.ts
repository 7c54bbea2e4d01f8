import fs from 'node:fs';
import path from 'node:path';
import { moveFile } from '../files/move-file';
import type { BatchRow } from '../store';

/**
 * Where a batch's file is now: its recorded folder, or the archive/failed folder when a runtime moved it
 * there and stopped before the batch row said so.
 */
export function locateBatchFile(batch: BatchRow, folders: { archive: string; failed: string }): string | undefined {
  if (!batch.file_name) return undefined;
  const candidates = [batch.folder, folders.failed, folders.archive].filter((folder): folder is string => !!folder);
  for (const folder of candidates) {
    const candidate = path.join(folder, batch.file_name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Moves a settled batch's file to the archive or failed folder; a file already there is never overwritten. */
export async function moveBatchFile(filePath: string, folder: string): Promise<string> {
  if (path.resolve(path.dirname(filePath)) === path.resolve(folder)) return filePath;
  return moveFile(filePath, folder);
}
