import { abortableSleep } from '../delivery/abortable-sleep';
import { recordEvents, takeKeyMapLock, type KeyMapHolder, type Store } from '../store';

/** How often a delivery that waits for its group type's key map asks again. */
export const KEY_MAP_POLL_MS = 500;

export interface KeyMapWait {
  store: Store;
  groupType: string;
  /** The batch about to run, or the error payload about to be resent. */
  holder: KeyMapHolder;
  /** The batch the waiting event belongs to (the error payload's batch). */
  batchId: number;
  /** This runtime: the actor of the waiting event. */
  owner: string;
  /** Aborted when the run stops (the node closing, the lease lost): it stops waiting. */
  signal: AbortSignal;
  /** Each time what it waits for changes: for the node's status. */
  onWaiting?: (waitingFor: KeyMapHolder) => void;
  pollMs?: number;
}

/**
 * Waits until the holder holds its group type's key map (takeKeyMapLock): true, or false when the run stopped
 * first. A `waiting-for-key-map` event names each batch or error payload it waited for, so the sidebar shows
 * why it has not started. The lease is kept meanwhile by the run's LeaseKeeper.
 */
export async function waitForKeyMap(wait: KeyMapWait): Promise<boolean> {
  const { store, groupType, holder } = wait;
  let waitingFor: KeyMapHolder | undefined;
  for (;;) {
    if (wait.signal.aborted) return false;
    const lock = await takeKeyMapLock(store, { groupType, holder });
    if (lock.taken) return true;
    if (lock.waitingFor.kind !== waitingFor?.kind || lock.waitingFor.id !== waitingFor.id) {
      waitingFor = lock.waitingFor;
      await recordEvents(store, store.knex, [
        {
          entity: holder.kind === 'batch' ? 'batch' : 'error_payload',
          entityId: holder.id,
          batchId: wait.batchId,
          action: 'waiting-for-key-map',
          actor: wait.owner,
          detail: { groupType, waitingFor },
          at: Date.now(),
        },
      ]);
      wait.onWaiting?.(waitingFor);
    }
    if (!(await abortableSleep(wait.pollMs ?? KEY_MAP_POLL_MS, wait.signal))) return false;
  }
}
