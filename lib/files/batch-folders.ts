import fs from 'node:fs';
import path from 'node:path';
import { isInside } from './safe-path';

// The folders this runtime's nodes keep batch files in (a file-persister's processing folder, an
// error-payload node's replay folder, a table-extract's folder). A file reference may only name a file in
// one of them, and a batch file is only read from one of them: a message cannot point us at /etc/passwd.
const registered = new Map<string, number>();

/**
 * Adds `folder` (resolved to an absolute path) for as long as the node that configured it runs; the
 * function returned takes it away again (call it on the node's close). Two nodes may share a folder.
 */
export function registerBatchFolder(folder: string): () => void {
  const resolved = path.resolve(folder);
  registered.set(resolved, (registered.get(resolved) ?? 0) + 1);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const count = (registered.get(resolved) ?? 1) - 1;
    if (count > 0) registered.set(resolved, count);
    else registered.delete(resolved);
  };
}

/** The registered folders as configured (absolute), for messages. */
export function registeredBatchFolders(): string[] {
  return [...registered.keys()];
}

/**
 * The real path (symlinks followed) of `folder`, or of the nearest part of it that exists: a folder
 * created later still compares equal, and a symlink on the way never lets a path pass for another.
 */
export function realFolder(folder: string): string {
  const resolved = path.resolve(folder);
  try {
    return fs.realpathSync(resolved);
  } catch {
    const parent = path.dirname(resolved);
    return parent === resolved ? resolved : path.join(realFolder(parent), path.basename(resolved));
  }
}

/** True when `folder`, symlinks followed, is one of the registered batch folders (or of `extra`). */
export function isBatchFolder(folder: string, extra: string[] = []): boolean {
  const real = realFolder(folder);
  return [...registered.keys(), ...extra].some((candidate) => realFolder(candidate) === real);
}

/**
 * True when the file at `filePath`, symlinks followed, lies in a registered batch folder (or in one of
 * `extra`), directly or below it.
 */
export function isInBatchFolder(filePath: string, extra: string[] = []): boolean {
  const real = realFolder(filePath);
  return [...registered.keys(), ...extra].some((candidate) => isInside(realFolder(candidate), real));
}
