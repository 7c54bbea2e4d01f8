/**
 * Reads and prepares items a little ahead of the one who takes them, in the event loop's idle time.
 *
 * A row costs CPU before its request goes out (parsing, validation, mapping, JSON). Done when a slot
 * frees up, that work sits between an answer and the next request, on every row: answers arrive
 * together, and each one waits for the preparation of all rows taken before it. Prepared ahead, in a
 * timer after the requests are written, it happens while the requests are out.
 *
 * The source gives items in chunks (a CSV reader: the rows of one block of the file), so an item already
 * read costs no step of the event loop to take: only a chunk does. Items come out in the source's order.
 * What is prepared but never taken is dropped on close: preparing must have no effect beyond its result. A
 * failure of the source or of a preparation is thrown by the `next()` that reaches it, in order, as reading
 * the source directly would throw it.
 */
export class ReadAhead<T, P> {
  private readonly iterator: AsyncIterator<readonly T[]>;
  /** Items prepared ahead, in order: as they are when prepared at once, a promise when not (or when failed). */
  private readonly queue: Array<P | undefined | Promise<P | undefined>> = [];
  /** The chunk items are taken from, and the next one's place in it. */
  private chunk: readonly T[] = [];
  private taken = 0;
  /** The read of the next chunk under way: items asked for meanwhile wait for it, in order. */
  private reading?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** The source said done or failed: nothing more is read. */
  private ended = false;
  private closed = false;

  constructor(
    source: AsyncIterable<readonly T[]>,
    private readonly prepare: (item: T) => P | Promise<P>,
    /** How many prepared items to keep ready. */
    private readonly depth: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next prepared item, or undefined at the end of the source. */
  next(): Promise<P | undefined> {
    const item = this.take();
    return item instanceof Promise ? item : Promise.resolve(item);
  }

  /**
   * As next(), but an item already prepared (a preparation that did not have to wait) is given as it is, not
   * in a promise: a taker of many items in a row (a group's) then awaits only those that are not ready.
   */
  take(): P | undefined | Promise<P | undefined> {
    const item = this.queue.length > 0 ? this.queue.shift() : this.fetch();
    this.scheduleRefill();
    return item;
  }

  /** Stops reading ahead; waits for reads under way, then closes the source (as leaving a for-await loop does). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled(this.queue.splice(0));
    await this.reading?.catch(() => undefined);
    await this.iterator.return?.();
  }

  private fetch(): P | undefined | Promise<P | undefined> {
    if (!this.reading && this.taken < this.chunk.length) {
      const item = this.chunk[this.taken];
      this.taken += 1;
      if (this.taken === this.chunk.length) this.chunk = [];
      return this.prepared(item);
    }
    if (this.ended || this.closed) return undefined;
    // Every item asked for while the chunk is read is taken after it, in the order asked for (reactions run in
    // the order they were added); one that finds the new chunk used up starts the read of the next.
    this.reading ??= this.readChunk();
    return this.reading.then(() => this.fetch());
  }

  private async readChunk(): Promise<void> {
    try {
      for (;;) {
        const result = await this.iterator.next();
        if (result.done) {
          this.ended = true;
          return;
        }
        if (result.value.length === 0) continue;
        this.chunk = result.value;
        this.taken = 0;
        return;
      }
    } catch (error) {
      this.ended = true;
      throw error;
    } finally {
      this.reading = undefined;
    }
  }

  private prepared(item: T): P | Promise<P> {
    try {
      return this.prepare(item);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private scheduleRefill(): void {
    if (this.timer || this.ended || this.closed) return;
    // A timer, not setImmediate: undici writes a request on a kept-alive socket in an immediate, and
    // preparing rows must come after those writes, not between them.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (!this.ended && !this.closed && this.queue.length < this.depth) {
        const item = this.fetch();
        // A failure is thrown to whoever takes this item; until then it must not count as unhandled.
        if (item instanceof Promise) item.catch(ignore);
        this.queue.push(item);
      }
    }, 0);
  }
}

function ignore(): void {}
