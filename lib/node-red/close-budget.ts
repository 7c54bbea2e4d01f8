import type { NodeAPI } from 'node-red';

/** Node-RED's default for `nodeCloseTimeout`: a close that takes longer is abandoned with an error. */
const NODE_RED_CLOSE_TIMEOUT_MS = 15_000;

export interface CloseBudget {
  /** How long a flow node lets its work finish on its own before it cuts what still runs. */
  drainMs: number;
  /** How long it then waits for the cut work to write its checkpoint and let go. */
  cancelMs: number;
  /** How long a config node waits for its last user before it closes anyway. */
  configMs: number;
}

/**
 * The close budget, within Node-RED's close timeout (settings.js `nodeCloseTimeout`): the flow node
 * drains, then cancels, then deregisters; the config node waits for that and still has time to close
 * its pool before Node-RED gives up on it.
 */
export function closeBudget(RED: NodeAPI): CloseBudget {
  let timeoutMs = NODE_RED_CLOSE_TIMEOUT_MS;
  try {
    const configured = Number((RED.settings as { nodeCloseTimeout?: unknown }).nodeCloseTimeout);
    if (Number.isFinite(configured) && configured > 0) timeoutMs = configured;
  } catch {
    // RED.settings throws on a setting that is not there in some runtimes: the default stands.
  }
  const configMs = Math.max(500, timeoutMs - 1500);
  const cancelMs = Math.max(250, Math.min(3000, Math.floor(configMs / 4)));
  const drainMs = Math.max(250, configMs - cancelMs - 500);
  return { drainMs, cancelMs, configMs };
}
