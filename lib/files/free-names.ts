import path from 'node:path';
import { fitName } from './fit-name';

/** How many numbered names to try before giving up: a folder with that many copies of one name needs a person. */
export const MAX_NAME_ATTEMPTS = 10_000;

/**
 * `name.csv`, then `name-1.csv`, `name-2.csv`, …: the names a file may take in a folder, in order of preference.
 * Each fits the file system (see fitName): a long name loses the end of its stem, not its number or extension.
 */
export function* freeNameCandidates(fileName: string): Generator<string> {
  const { name, ext } = path.parse(fileName);
  yield fitName(name, '', ext);
  for (let n = 1; n < MAX_NAME_ATTEMPTS; n += 1) yield fitName(name, `-${n}`, ext);
}

/**
 * A name no other writer and no poller will take for a finished file: hidden, with a .tmp suffix, and short
 * enough for the file system however long the file's name is (a 250-character name is legal).
 */
export function tempNameFor(fileName: string): string {
  return fitName(`.${fileName}`, `.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
}
