import path from 'node:path';

/** How a batch file is read: recorded on the batch (`format`) when it is parked. */
export const BATCH_FORMATS = ['csv', 'jsonl'] as const;
export type BatchFileFormat = (typeof BATCH_FORMATS)[number];

const JSONL_EXTENSIONS = new Set(['.jsonl', '.ndjson']);

/** `.jsonl` and `.ndjson` files are JSON Lines; every other file is read as CSV, as before. */
export function formatOfFileName(fileName: string): BatchFileFormat {
  return JSONL_EXTENSIONS.has(path.extname(fileName).toLowerCase()) ? 'jsonl' : 'csv';
}
