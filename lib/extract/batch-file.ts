import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';

export interface WrittenBatchFile {
  fileName: string;
  folder: string;
  sha256: string;
  size: number;
  rows: number;
}

/** Characters of lines gathered before they are written; bytes the file stream buffers before it waits. */
const CHUNK_CHARS = 64 * 1024;
const STREAM_HIGH_WATER_MARK_BYTES = 1024 * 1024;

export interface BatchFileWriter {
  /** Adds one row; a promise when the file is behind and the caller must wait for it (backpressure). */
  write(row: Record<string, unknown>): Promise<void> | undefined;
  /** Flushes the file to disk and gives it its final name: only then may it be parked. */
  close(): Promise<WrittenBatchFile>;
  /** Drops the file (nothing was parked): nothing is left under either name. */
  abort(): Promise<void>;
  readonly rows: number;
}

/**
 * 'customers-3f9a01c2-20261201T104011123Z-1-a3f9c2.jsonl': the extract (its name made safe, and a hash of
 * the exact name, so two names that read the same once made safe are still told apart), the time, the
 * batch of the run, a random tail; never reused. The next run knows its own leftovers by it.
 */
export function batchFileName(extract: string, at: Date, sequence: number): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${filePrefix(extract)}-${stamp}-${sequence}-${randomBytes(3).toString('hex')}.jsonl`;
}

/** The names batchFileName gives this extract's files, and their part files; no other extract's. */
export function batchFilePattern(extract: string): RegExp {
  // The prefix holds letters, digits, _ and - only: nothing a pattern would read as anything but itself.
  return new RegExp(`^${filePrefix(extract)}-\\d{8}T\\d{9}Z-\\d+-[0-9a-f]{6}\\.jsonl(?:\\.part)?$`);
}

function filePrefix(extract: string): string {
  const safe = extract.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80) || 'extract';
  return `${safe}-${createHash('sha256').update(extract, 'utf8').digest('hex').slice(0, 8)}`;
}

/**
 * Writes one JSON Lines batch file, hashing it as it goes. It is written as `<name>.part`; a crash before
 * close() leaves only that part file, which no batch names.
 */
export async function createBatchFileWriter(folder: string, fileName: string): Promise<BatchFileWriter> {
  await fs.promises.mkdir(folder, { recursive: true });
  const finalPath = path.join(folder, fileName);
  const partPath = `${finalPath}.part`;
  // wx: a name is never written twice.
  const stream = fs.createWriteStream(partPath, { flags: 'wx', flush: true, highWaterMark: STREAM_HIGH_WATER_MARK_BYTES });
  await once(stream, 'open');
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  const hash = createHash('sha256');
  let size = 0;
  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';
  // Lines are gathered into chunks: one Buffer, one hash update and one write each, not one per row.
  let pending = '';
  const flush = (): Promise<void> | undefined => {
    if (pending === '') return undefined;
    const bytes = Buffer.from(pending, 'utf8');
    pending = '';
    hash.update(bytes);
    size += bytes.length;
    return stream.write(bytes) ? undefined : once(stream, 'drain').then(() => undefined);
  };

  return {
    get rows() {
      return rows;
    },
    write(row) {
      if (failure) throw failure;
      pending += `${JSON.stringify(row)}\n`;
      rows += 1;
      if (pending.length < CHUNK_CHARS) return undefined;
      return flush();
    },
    async close() {
      if (state !== 'open') throw new Error(`the batch file ${fileName} is already ${state}`);
      state = 'closed';
      await flush();
      stream.end();
      await once(stream, 'finish');
      if (failure) throw failure;
      await fs.promises.rename(partPath, finalPath);
      return { fileName, folder, sha256: hash.digest('hex'), size, rows };
    },
    async abort() {
      if (state === 'aborted') return;
      const wasOpen = state === 'open';
      state = 'aborted';
      if (wasOpen && !stream.closed) {
        stream.destroy();
        await once(stream, 'close').catch(() => undefined);
      }
      await fs.promises.rm(partPath, { force: true });
      await fs.promises.rm(finalPath, { force: true });
    },
  };
}
