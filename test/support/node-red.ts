// Node-RED in the test process, through node-red-node-test-helper.
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

// Node modules take Node-RED's API; the helper passes its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NodeModule = (RED: any) => void;

export async function loadFlow(
  modules: NodeModule | NodeModule[],
  flow: Record<string, unknown>[],
  credentials: Record<string, Record<string, string>> = {},
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    helper.load(modules as never, flow as never, credentials as never, (error?: unknown) => (error ? reject(error) : resolve()));
  });
}

export async function unloadFlow(): Promise<void> {
  await helper.unload();
}

/** Waits until `check` returns a value other than undefined/false, polling; fails with `what` after the timeout. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The last status a node showed (the helper spies on Node.prototype.status). */
export function lastStatus(node: { status: { lastCall?: { args: unknown[] } } }): { fill?: string; shape?: string; text?: string } {
  return (node.status.lastCall?.args[0] ?? {}) as { fill?: string; shape?: string; text?: string };
}
