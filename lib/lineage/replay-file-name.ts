import path from 'node:path';
import { fitName, FREE_SUFFIX_BYTES, MAX_NAME_BYTES } from '../files/fit-name';

// A replay file names the batch it replays, so a file exported for fixing outside Node-RED and dropped back
// into the inbound folder can be parked as a replay of that batch (parent_batch_id), keeping its rows'
// idempotency keys. `-<n>` is the suffix a free-name move may add.
const REPLAY_SUFFIX = /\.replay-(\d+)(?:-\d+)?$/;

/**
 * 'bank.csv' of batch 7 → 'bank.replay-7.csv'; a replay of a replay keeps one suffix: 'bank.replay-7.csv' of
 * batch 9 → 'bank.replay-9.csv'. A name too long for the file system loses the end of its stem, never the
 * suffix (see fitName), and leaves room for a free-name suffix.
 */
export function replayFileName(fileName: string | null, batchId: number): string {
  const name = fileName ?? `batch-${batchId}.csv`;
  const extension = path.extname(name) || '.csv';
  const stem = (path.extname(name) ? name.slice(0, -extension.length) : name).replace(REPLAY_SUFFIX, '');
  return fitName(stem, `.replay-${batchId}`, extension, MAX_NAME_BYTES - FREE_SUFFIX_BYTES);
}

/** The batch a replay file replays, from its name ('bank.replay-7.csv' → 7); undefined for any other name. */
export function parentBatchIdFromFileName(fileName: string): number | undefined {
  const extension = path.extname(fileName);
  const match = REPLAY_SUFFIX.exec(extension ? fileName.slice(0, -extension.length) : fileName);
  return match ? Number(match[1]) : undefined;
}
