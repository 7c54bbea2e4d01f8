import os from 'node:os';

/** Same length as the `lease_owner` column. */
const MAX_LENGTH = 200;

/**
 * This runtime's name in `lease_owner`: host and process tell an admin which Node-RED holds a lease, the
 * node id keeps two dispatchers of one runtime apart.
 */
export function runtimeId(nodeId: string): string {
  return `${os.hostname()}:${process.pid}:${nodeId}`.slice(0, MAX_LENGTH);
}
