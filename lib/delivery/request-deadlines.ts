import { performance } from 'node:perf_hooks';

// The timeouts of one client's requests, all of the same length, on one timer. A timer per request (a Timeout
// made, put in Node's list, taken out again) was a good part of what a row's request cost beyond undici's own.
// All requests wait the same `timeoutMs`, so they expire in the order they started: the list is kept in that
// order, the timer waits for the first, and a request that ends is unlinked without touching the timer.

/** The longest delay setTimeout takes as it is (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

interface Deadline {
  readonly expiresAt: number;
  readonly onExpire: () => void;
  previous: Deadline | undefined;
  next: Deadline | undefined;
  /** Still in the list: neither ended nor expired. */
  linked: boolean;
}

/** Ends the wait of one request: its `onExpire` is not called after this. */
export type StopDeadline = () => void;

export class RequestDeadlines {
  private first: Deadline | undefined;
  private last: Deadline | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Calls `onExpire` once `timeoutMs` have passed, unless the function returned is called first. */
  start(onExpire: () => void): StopDeadline {
    if (this.timeoutMs > MAX_TIMER_MS) {
      // Beyond what a Node timer holds: Node's own handling (a warning, then 1 ms), as a timer per request had it.
      const timer = setTimeout(onExpire, this.timeoutMs);
      return () => clearTimeout(timer);
    }
    const deadline: Deadline = { expiresAt: performance.now() + this.timeoutMs, onExpire, previous: this.last, next: undefined, linked: true };
    if (this.last) this.last.next = deadline;
    else this.first = deadline;
    this.last = deadline;
    if (!this.timer) this.arm(deadline.expiresAt);
    return () => this.stop(deadline);
  }

  private stop(deadline: Deadline): void {
    if (!deadline.linked) return;
    this.unlink(deadline);
    // No request left: no timer keeps the process waiting. With requests left it fires at the latest at the
    // deadline it was set for, and moves on to the first one still waiting.
    if (!this.first && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private unlink(deadline: Deadline): void {
    deadline.linked = false;
    if (deadline.previous) deadline.previous.next = deadline.next;
    else this.first = deadline.next;
    if (deadline.next) deadline.next.previous = deadline.previous;
    else this.last = deadline.previous;
    deadline.previous = undefined;
    deadline.next = undefined;
  }

  private arm(at: number): void {
    // Node's timers count whole milliseconds from the loop's time, which can be a little behind: a fire before
    // the deadline finds nothing expired and waits for the rest.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(at - performance.now())));
  }

  private fire(): void {
    this.timer = undefined;
    const now = performance.now();
    const expired: Deadline[] = [];
    while (this.first && this.first.expiresAt <= now) {
      const deadline = this.first;
      this.unlink(deadline);
      expired.push(deadline);
    }
    if (this.first) this.arm(this.first.expiresAt);
    for (const deadline of expired) deadline.onExpire();
  }
}
