import type { Node, NodeMessage } from 'node-red';
import { describeError } from '../errors';
import { showStatus } from './status';

/**
 * The one error path of our flow nodes: the reason on the node status and the whole error to
 * `done(err)`, so a Catch node gets it with the message that caused it.
 */
export function failMessage(node: Node, done: (error?: Error) => void, error: unknown, msg?: NodeMessage): void {
  const reason = describeError(error);
  showStatus(node, 'error', reason);
  if (msg) (msg as NodeMessage & { error?: unknown }).error = { message: reason, code: (error as { code?: string })?.code };
  done(error instanceof Error ? error : new Error(reason));
}

/** Who asked for an admin action: `msg.user` when the flow sets it, else the node itself. */
export function actorOf(node: Node, msg: NodeMessage): string {
  const user = (msg as NodeMessage & { user?: unknown }).user;
  if (typeof user === 'string' && user.trim()) return user.trim();
  if (user && typeof user === 'object' && typeof (user as { username?: unknown }).username === 'string') {
    return (user as { username: string }).username;
  }
  return `node:${node.type}:${node.name || node.id}`;
}
