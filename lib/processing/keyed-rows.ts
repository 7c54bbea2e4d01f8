import type { RowWork } from './row-work';

/** Where rows come from: the batch file's rows, read and prepared ahead. */
export interface RowSource {
  next(): Promise<RowWork | undefined>;
  close(): Promise<void>;
}

/**
 * Rows in chunks, each chunk's source keys looked up in one statement before its first row is given out
 * (per chunk, never per row: the statement budget). The next chunk is read and looked up while the second
 * half of the current one is sent, so a lookup does not stall the requests.
 */
export class KeyedRows implements RowSource {
  private chunk: RowWork[] = [];
  private index = 0;
  private upcoming?: Promise<RowWork[]>;
  private ended = false;

  constructor(
    private readonly source: RowSource,
    /** Looks up the keys of a chunk (those not known yet) before the chunk is given out; with the last row of each. */
    private readonly lookup: (sourceKeys: string[], lastRows: Map<string, number>) => Promise<void>,
    private readonly chunkRows: number,
  ) {}

  async next(): Promise<RowWork | undefined> {
    if (this.index >= this.chunk.length) {
      const upcoming = this.upcoming ?? this.readChunk();
      this.upcoming = undefined;
      this.chunk = await upcoming;
      this.index = 0;
      if (this.chunk.length === 0) return undefined;
    }
    const work = this.chunk[this.index];
    this.index += 1;
    if (!this.upcoming && !this.ended && this.chunk.length - this.index <= this.chunkRows / 2) {
      this.upcoming = this.readChunk();
      // A failure is thrown to the next() that takes this chunk; until then it must not count as unhandled.
      this.upcoming.catch(() => undefined);
    }
    return work;
  }

  async close(): Promise<void> {
    if (this.upcoming) await this.upcoming.catch(() => undefined);
    this.upcoming = undefined;
    await this.source.close();
  }

  private async readChunk(): Promise<RowWork[]> {
    const chunk: RowWork[] = [];
    while (!this.ended && chunk.length < this.chunkRows) {
      const work = await this.source.next();
      if (!work) {
        this.ended = true;
        break;
      }
      chunk.push(work);
    }
    const keys: string[] = [];
    const lastRows = new Map<string, number>();
    for (const work of chunk) {
      if (!work.match || work.result) continue;
      keys.push(work.match.sourceKey);
      lastRows.set(work.match.sourceKey, work.rowNumber);
    }
    await this.lookup(keys, lastRows);
    return chunk;
  }
}
