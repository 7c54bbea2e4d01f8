import type { Node } from 'node-red';

export type StatusLevel = 'ok' | 'busy' | 'warn' | 'error' | 'idle';

const LOOK: Record<StatusLevel, { fill: 'green' | 'blue' | 'yellow' | 'red' | 'grey'; shape: 'dot' | 'ring' }> = {
  ok: { fill: 'green', shape: 'dot' },
  busy: { fill: 'blue', shape: 'dot' },
  warn: { fill: 'yellow', shape: 'ring' },
  error: { fill: 'red', shape: 'ring' },
  idle: { fill: 'grey', shape: 'ring' },
};

/** Status texts on the canvas are short: the whole message goes to the log and the Catch node. */
const MAX_TEXT = 80;

/** The one way our nodes show what a user should see under them. */
export function showStatus(node: Node, level: StatusLevel, text: string): void {
  const short = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
  node.status({ ...LOOK[level], text: short });
}

/**
 * A status that changes often (progress of a batch) is shown at most once per interval; the last value
 * always ends up on the canvas. Its text may be given as a function: written only for a value that is shown
 * (a translated, formatted text costs more than the rest of a progress report).
 */
export function throttledStatus(node: Node, intervalMs = 1000): { show(level: StatusLevel, text: string | (() => string)): void; flush(): void; stop(): void } {
  let last = 0;
  let pending: { level: StatusLevel; text: string | (() => string) } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const { level, text } = pending;
    showStatus(node, level, typeof text === 'string' ? text : text());
    pending = undefined;
    last = Date.now();
  };
  return {
    show(level, text) {
      pending = { level, text };
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    flush,
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
