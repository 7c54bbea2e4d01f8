// The two JSONata builds a compiled expression must agree with: the jsonata package, and the copy
// Node-RED's @node-red/util ships and the node evaluates with (newer, null-prototype objects, some names
// blocked).
import jsonataPackage from 'jsonata';

export interface Engine {
  name: string;
  parse(expression: string): { ast(): unknown; evaluate(input: unknown): Promise<unknown> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeRedJsonata = require('@node-red/util/lib/jsonata.js') as Engine['parse'];

export const ENGINES: Engine[] = [
  { name: 'jsonata package', parse: (expression) => jsonataPackage(expression) as unknown as ReturnType<Engine['parse']> },
  { name: "Node-RED's JSONata", parse: nodeRedJsonata },
];

/**
 * Where two results differ, as a path; undefined when they are the same structure: lists by their items and
 * own enumerable properties (a sequence's `sequence` flag), objects by their own keys in order (an undefined
 * value differs from an absent key), numbers by Object.is (-0 is not 0). Prototypes are not compared:
 * JSONata's objects have none in Node-RED's copy, plain ones in the package and the compiled functions.
 */
export function difference(actual: unknown, expected: unknown, at = '$'): string | undefined {
  if (typeof actual !== typeof expected) return `${at}: ${typeof actual} vs ${typeof expected}`;
  if (actual === null || expected === null || typeof actual !== 'object') {
    return Object.is(actual, expected) ? undefined : `${at}: ${String(actual)} vs ${String(expected)}`;
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) return `${at}: list vs not a list`;
  const actualKeys = Object.keys(actual as object);
  const expectedKeys = Object.keys(expected as object);
  if (actualKeys.join('\u0000') !== expectedKeys.join('\u0000')) return `${at}: keys [${actualKeys}] vs [${expectedKeys}]`;
  for (const key of actualKeys) {
    const found = difference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${at}.${key}`);
    if (found) return found;
  }
  return undefined;
}
