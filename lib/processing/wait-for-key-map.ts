import { abortableSleep } from '../delivery/abortable-sleep';
import { recordEvents, takeKeyMapLock, type BatchRow, type Store } from '../store';

/** How often a key-matched batch that waits for its group type's key map asks again. */
export const KEY_MAP_POLL_MS = 500;

export interface KeyMapWait {
  store: Store;
  batch: BatchRow;
  /** This runtime: the actor of the waiting event. */
  owner: string;
  /** Aborted when the run stops (the node closing, the lease lost): it stops waiting. */
  signal: AbortSignal;
  /** Each time the batch it waits for changes: for the node's status. */
  onWaiting?: (waitingFor: number) => void;
  pollMs?: number;
}

/**
 * Waits until the batch holds its group type's key map (takeKeyMapLock): true, or false when the run stopped
 * first. A `waiting-for-key-map` event names each batch it waited for, so the sidebar shows why it has not
 * started. The batch's lease is kept meanwhile by the run's LeaseKeeper.
 */
export async function waitForKeyMap(wait: KeyMapWait): Promise<boolean> {
  const { store, batch } = wait;
  let waitingFor: number | undefined;
  for (;;) {
    if (wait.signal.aborted) return false;
    const lock = await takeKeyMapLock(store, { groupType: batch.group_type, batchId: batch.id });
    if (lock.taken) return true;
    if (lock.waitingFor !== waitingFor) {
      waitingFor = lock.waitingFor;
      await recordEvents(store, store.knex, [
        { entity: 'batch', entityId: batch.id, batchId: batch.id, action: 'waiting-for-key-map', actor: wait.owner, detail: { groupType: batch.group_type, waitingFor }, at: Date.now() },
      ]);
      wait.onWaiting?.(waitingFor);
    }
    if (!(await abortableSleep(wait.pollMs ?? KEY_MAP_POLL_MS, wait.signal))) return false;
  }
}
