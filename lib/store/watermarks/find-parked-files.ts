import type { Store } from '../open-store';

/** Which of these file names in this folder a batch names (of any status): those are never a leftover. */
export async function findParkedFileNames(store: Store, folder: string, fileNames: string[]): Promise<Set<string>> {
  const parked = new Set<string>();
  // Bounded lists: a few leftovers at most, but a folder could hold many.
  for (let index = 0; index < fileNames.length; index += 500) {
    const rows = (await store
      .knex(store.tables.batch)
      .select('file_name')
      .where('folder', folder)
      .whereIn('file_name', fileNames.slice(index, index + 500))) as { file_name: string }[];
    for (const row of rows) parked.add(row.file_name);
  }
  return parked;
}
