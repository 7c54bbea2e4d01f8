import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/open-store';
import { findParkedFileNames } from '../store/watermarks/find-parked-files';
import { batchFilePattern } from './batch-file';

/**
 * How old a file of the extract must be (last written) before a run takes it for a crashed run's leftover.
 * A run that is alive writes its part file page by page and parks it within one transaction of renaming
 * it; a file untouched for this long is no live run's (another runtime's run of the same extract included).
 */
export const LEFTOVER_GRACE_MS = 15 * 60_000;

/** Files this process is writing or parking right now: never a leftover, whatever their age. */
const inFlight = new Set<string>();

export function markInFlight(filePath: string): () => void {
  inFlight.add(filePath);
  return () => inFlight.delete(filePath);
}

/**
 * Removes what a crashed run of this extract left in the folder: its own batch files (recognised by the
 * extract's name and hash in the file name, `.jsonl` or `.jsonl.part`) that no batch names and that nobody
 * has written to for LEFTOVER_GRACE_MS. Another extract's files, files a batch names and anything else in
 * the folder are left as they are. Returns the names removed.
 */
export async function removeLeftoverFiles(store: Store, folder: string, extract: string, now: Date): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pattern = batchFilePattern(extract);
  const candidates: string[] = [];
  for (const name of names) {
    if (!pattern.test(name)) continue;
    const filePath = path.join(folder, name);
    if (inFlight.has(filePath) || inFlight.has(filePath.replace(/\.part$/, ''))) continue;
    const stat = await fs.promises.lstat(filePath).catch(() => undefined);
    if (!stat?.isFile() || now.getTime() - stat.mtimeMs < LEFTOVER_GRACE_MS) continue;
    candidates.push(name);
  }
  if (candidates.length === 0) return [];
  // A part file is never parked; a finished one is a leftover only if no batch names it.
  const parked = await findParkedFileNames(store, folder, candidates.filter((name) => !name.endsWith('.part')));
  const removed: string[] = [];
  for (const name of candidates) {
    if (parked.has(name)) continue;
    await fs.promises.rm(path.join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}
