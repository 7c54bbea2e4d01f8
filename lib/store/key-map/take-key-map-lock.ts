import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { IN_FLIGHT_STATUSES, type BatchStatus } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';

export type KeyMapLock = { taken: true } | { taken: false; waitingFor: number };

export interface KeyMapLockRequest {
  groupType: string;
  /** The key-matched batch that is about to run (claimed, in flight). */
  batchId: number;
  now?: number;
}

/**
 * Takes the key map of a group type for one key-matched batch run, or names the batch to wait for.
 *
 * Two runs that matched keys of one group type at once would each create a record for a key new to both (two
 * records downstream), and their updates of one key would land in either order (an older version last).
 * So a group type's key-matched batches run one at a time, in the order they were parked:
 * - the lock is held by the batch it names only while that batch is in flight under a live lease: a run that
 *   ends, is re-parked or whose runtime died (its lease ran out) frees it without a step of its own;
 * - a batch waits, too, for an older batch of its group type that is in flight (claimed at the same moment,
 *   or waiting for the lock itself), so the older one's versions are delivered first.
 * One transaction, with the group type's lock row locked (FOR UPDATE; SQLite's write lock), so of two batches
 * asking at once one takes it and the other sees it taken.
 */
export async function takeKeyMapLock(store: Store, request: KeyMapLockRequest): Promise<KeyMapLock> {
  const now = request.now ?? Date.now();
  const { groupType, batchId } = request;
  return writeTransaction(store, async (trx) => {
    const lockRow = () => forUpdate(store, trx(store.tables.keyMapLock).where('group_type', groupType).first('batch_id'));
    let lock = (await lockRow()) as { batch_id: number | null } | undefined;
    if (!lock) {
      await trx(store.tables.keyMapLock).insert({ group_type: groupType, batch_id: null, locked_at: null }).onConflict('group_type').ignore();
      lock = (await lockRow()) as { batch_id: number | null };
    }
    const holder = lock.batch_id === null ? null : Number(lock.batch_id);
    if (holder !== null && holder !== batchId && (await liveBatches(store, trx, now).where('id', holder).first('id'))) return { taken: false, waitingFor: holder };
    const older = (await liveBatches(store, trx, now).where('group_type', groupType).where('id', '<', batchId).orderBy('id').first('id')) as { id: number } | undefined;
    if (older) return { taken: false, waitingFor: Number(older.id) };
    if (holder !== batchId) await trx(store.tables.keyMapLock).where('group_type', groupType).update({ batch_id: batchId, locked_at: now });
    return { taken: true };
  });
}

/** Batches in flight whose lease has not run out: their runtime is working on them. */
function liveBatches(store: Store, trx: Knex.Transaction, now: number): Knex.QueryBuilder {
  return trx(store.tables.batch)
    .whereIn('status', IN_FLIGHT_STATUSES as BatchStatus[])
    .where('lease_until', '>=', now);
}
