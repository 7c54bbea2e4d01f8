import type { NodeAPI } from 'node-red';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PACKAGE_NAME: string = require('../../../package.json').name;

/**
 * The catalog texts every flow node shares (the database is down, the node is closing, a number is out
 * of range) live in the batch-store catalog under `common`; a node reaches them through that node set's
 * i18n namespace, as core nodes reach `node-red:common.*`.
 */
const COMMON_NAMESPACE = `${PACKAGE_NAME}/batch-store`;

export type TextParams = Record<string, string | number>;

/** `key` in the node's own catalog, or `common.*` in the shared one. */
export function catalogText(RED: NodeAPI, key: string, params?: TextParams): string {
  const qualified = key.startsWith('common.') ? `${COMMON_NAMESPACE}:${key}` : key;
  return RED._(qualified, params as never);
}
