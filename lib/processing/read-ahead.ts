/**
 * Reads and prepares items a little ahead of the one who takes them, in the event loop's idle time.
 *
 * A row costs CPU before its request goes out (parsing, validation, mapping, JSON). Done when a slot
 * frees up, that work sits between an answer and the next request, on every row: answers arrive
 * together, and each one waits for the preparation of all rows taken before it. Prepared ahead, in a
 * timer after the requests are written, it happens while the requests are out.
 *
 * Items come out in the source's order. What is prepared but never taken is dropped on close: preparing
 * must have no effect beyond its result. A failure of the source or of a preparation is thrown by the
 * `next()` that reaches it, in order, as reading the source directly would throw it.
 */
export class ReadAhead<T, P> {
  private readonly iterator: AsyncIterator<T>;
  private readonly queue: Promise<P | undefined>[] = [];
  private timer?: NodeJS.Timeout;
  /** The source said done or failed: nothing more is read. */
  private ended = false;
  private closed = false;

  constructor(
    source: AsyncIterable<T>,
    private readonly prepare: (item: T) => P | Promise<P>,
    /** How many prepared items to keep ready. */
    private readonly depth: number,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next prepared item, or undefined at the end of the source. */
  next(): Promise<P | undefined> {
    const item = this.queue.shift() ?? this.fetch();
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
    await this.iterator.return?.();
  }

  private fetch(): Promise<P | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    const item = this.iterator.next().then((result) => {
      if (result.done) {
        this.ended = true;
        return undefined;
      }
      return this.prepare(result.value);
    });
    // A failure is thrown to whoever takes this item; until then it must not count as unhandled.
    item.catch(() => {
      this.ended = true;
    });
    return item;
  }

  private scheduleRefill(): void {
    if (this.timer || this.ended || this.closed) return;
    // A timer, not setImmediate: undici writes a request on a kept-alive socket in an immediate, and
    // preparing rows must come after those writes, not between them.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (!this.ended && !this.closed && this.queue.length < this.depth) this.queue.push(this.fetch());
    }, 0);
  }
}
