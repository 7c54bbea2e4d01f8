import path from 'node:path';
import type { NodeAPI } from 'node-red';

/**
 * A folder from a node's config: absolute as given; relative to `bsyncDataDir` in the Node-RED
 * settings when set (the shipped flows keep their files there), else to the Node-RED user directory.
 */
export function resolveFolder(RED: NodeAPI, folder: string): string {
  const settings = RED.settings as { bsyncDataDir?: string; userDir?: string };
  const base = settings.bsyncDataDir ?? settings.userDir ?? process.cwd();
  return path.resolve(base, folder);
}
