import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import type { ControlRow } from '../tables';
import { changeControl } from './change-control';
import { assertDispatcherKey } from './validate-control';

/**
 * Pauses (no runtime claims anything) or resumes a dispatcher. Recorded even when it was already in that
 * state: the audit trail shows every admin action, not only those that changed something.
 */
export async function setPaused(store: Store, dispatcher: string, paused: boolean, actor: string, now: number = Date.now()): Promise<ControlRow> {
  assertDispatcherKey(dispatcher);
  if (typeof paused !== 'boolean') throw new InvalidRequestError(`paused must be true or false, got ${JSON.stringify(paused)}`);
  return changeControl(store, dispatcher, paused ? 'pause' : 'resume', () => ({ paused }), actor, now);
}
