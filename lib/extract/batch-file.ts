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

export interface BatchFileWriter {
  write(row: Record<string, unknown>): Promise<void>;
  /** Flushes the file to disk and gives it its final name: only then may it be parked. */
  close(): Promise<WrittenBatchFile>;
  /** Drops the file (nothing was parked): nothing is left under either name. */
  abort(): Promise<void>;
  readonly rows: number;
}

/** 'customers-20261201T104011123Z-1-a3f9c2.jsonl': the extract, the time, the batch of the run; never reused. */
export function batchFileName(extract: string, at: Date, sequence: number): string {
  const safe = extract.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80) || 'extract';
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${safe}-${stamp}-${sequence}-${randomBytes(3).toString('hex')}.jsonl`;
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
  const stream = fs.createWriteStream(partPath, { flags: 'wx', flush: true });
  await once(stream, 'open');
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  const hash = createHash('sha256');
  let size = 0;
  let rows = 0;
  let state: 'open' | 'closed' | 'aborted' = 'open';

  return {
    get rows() {
      return rows;
    },
    async write(row) {
      if (failure) throw failure;
      const line = `${JSON.stringify(row)}\n`;
      const bytes = Buffer.from(line, 'utf8');
      hash.update(bytes);
      size += bytes.length;
      rows += 1;
      if (!stream.write(bytes)) await once(stream, 'drain');
    },
    async close() {
      if (state !== 'open') throw new Error(`the batch file ${fileName} is already ${state}`);
      state = 'closed';
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
