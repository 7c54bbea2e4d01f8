// At most `limit` requests of one endpoint in flight. The pool would queue the rest too, but a request
// waiting here has not started its timeout yet: a slow downstream must not time out queued rows.

export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /**
   * The function that frees the slot, at once when one is free (no promise per request on the common path);
   * otherwise a promise of it, or of undefined when the signal aborted first.
   */
  enter(signal?: AbortSignal): (() => void) | undefined | Promise<(() => void) | undefined> {
    if (signal?.aborted) return undefined;
    if (this.active < this.limit) {
      this.active += 1;
      return this.releaser();
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(admit);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(undefined);
      };
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active += 1;
        resolve(this.releaser());
      };
      this.waiting.push(admit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.();
    };
  }
}
