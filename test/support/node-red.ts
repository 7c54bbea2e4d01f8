// Node-RED in the test process, through node-red-node-test-helper.
import fs from 'node:fs';
import path from 'node:path';
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

// Node modules take Node-RED's API; the helper passes its own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type NodeModule = (RED: any) => void;

/** Every catalog of our nodes, merged by top-level key (`row-processor`, `common`, …). */
function loadCatalogs(): Record<string, unknown> {
  const nodesDir = path.join(__dirname, '..', '..', 'nodes');
  const merged: Record<string, unknown> = {};
  for (const type of fs.readdirSync(nodesDir)) {
    const file = path.join(nodesDir, type, 'locales', 'en-US', `${type}.json`);
    if (fs.existsSync(file)) Object.assign(merged, JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  return merged;
}

/**
 * The helper's RED._ answers the key itself; Node-RED's runtime answers the catalog text. Our nodes show
 * catalog texts, so their specs get Node-RED's behaviour: the text of the key, `__name__` filled in.
 */
function translate(catalogs: Record<string, unknown>, key: string, params?: Record<string, unknown>): string {
  const unqualified = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
  let value: unknown = catalogs;
  for (const part of unqualified.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  if (typeof value !== 'string') return key;
  return value.replace(/__([A-Za-z0-9]+)__/g, (whole, name: string) => (params && name in params ? String(params[name]) : whole));
}

// The helper knows a module by its identity (it registers each node type once): one wrapper per module.
const wrappers = new WeakMap<NodeModule, NodeModule>();

function withCatalogs(module: NodeModule): NodeModule {
  const known = wrappers.get(module);
  if (known) return known;
  const catalogs = loadCatalogs();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const wrapped = (RED: any) => module(new Proxy(RED, { get: (target, property) => (property === '_' ? (key: string, params?: Record<string, unknown>) => translate(catalogs, key, params) : target[property]) }));
  wrappers.set(module, wrapped);
  return wrapped;
}

export async function loadFlow(
  modules: NodeModule | NodeModule[],
  flow: Record<string, unknown>[],
  credentials: Record<string, Record<string, string>> = {},
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    // Node-RED's own nodes are loaded by the helper as they are (it knows them by identity).
    const core = new Set(Object.values((helper as unknown as { _nodeModules: Record<string, NodeModule> })._nodeModules));
    const wrapped = (Array.isArray(modules) ? modules : [modules]).map((module) => (core.has(module) ? module : withCatalogs(module)));
    helper.load(wrapped as never, flow as never, credentials as never, (error?: unknown) => (error ? reject(error) : resolve()));
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
