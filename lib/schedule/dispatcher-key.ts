import { assertDispatcherKey } from '../store/control/validate-control';
import type { DispatchSource } from '../store';

/** What a dispatcher claims: parked batches, or error payloads an admin marked READY. */
export type DispatchMode = DispatchSource;

export const DISPATCH_MODES: readonly DispatchMode[] = ['batches', 'errors'];

export interface DispatcherIdentity {
  /** The node's "dispatcher name", when set. */
  name?: string;
  mode: DispatchMode;
  groupType?: string;
  groupId?: string;
}

/**
 * The key of the dispatcher's `bsync_control` row. Derived from what it claims, not from the node id,
 * so every runtime running the same flow shares one row: one pause switch and one max-in-flight.
 */
export function dispatcherKey(identity: DispatcherIdentity): string {
  const named = identity.name?.trim();
  const key = named || `${identity.mode}:${identity.groupType?.trim() || '*'}:${identity.groupId?.trim() || '*'}`;
  return assertDispatcherKey(key);
}
