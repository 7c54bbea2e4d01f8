import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { IN_FLIGHT_STATUSES, type BatchStatus } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';

/** What holds (or asks for) a group type's key map: a key-matched batch's run, or one error payload's resend. */
export type KeyMapHolder = { kind: 'batch'; id: number } | { kind: 'error-payload'; id: number };

export type KeyMapLock = { taken: true } | { taken: false; waitingFor: KeyMapHolder };

export interface KeyMapLockRequest {
  groupType: string;
  /** The batch about to run (claimed, in flight), or the error payload about to be resent (claimed, RESUBMITTED). */
  holder: KeyMapHolder;
  now?: number;
}

/**
 * Takes the key map of a group type for one key-matched batch run or one resend of an error payload, or names
 * what to wait for.
 *
 * Two deliveries that matched keys of one group type at once would each create a record for a key new to both
 * (two records downstream), and their updates of one key would land in either order (an older version last).
 * So a group type's key-matched batches and resends run one at a time, batches in the order they were parked:
 * - the lock is held by what it names only while that is in flight under a live lease (a batch SUBMITTED or
 *   PROCESSING, an error payload RESUBMITTED, `lease_until` not passed): a run that ends, is re-parked or whose
 *   runtime died (its lease ran out) frees it without a step of its own;
 * - a batch waits, too, for an older batch of its group type that is in flight (claimed at the same moment,
 *   or waiting for the lock itself), so the older one's versions are delivered first.
 * One transaction, with the group type's lock row locked (FOR UPDATE; SQLite's write lock), so of two asking at
 * once one takes it and the other sees it taken.
 */
export async function takeKeyMapLock(store: Store, request: KeyMapLockRequest): Promise<KeyMapLock> {
  const now = request.now ?? Date.now();
  const { groupType, holder: asking } = request;
  return writeTransaction(store, async (trx) => {
    const lockRow = () => forUpdate(store, trx(store.tables.keyMapLock).where('group_type', groupType).first('batch_id', 'error_payload_id'));
    let lock = (await lockRow()) as LockRow | undefined;
    if (!lock) {
      await trx(store.tables.keyMapLock).insert({ group_type: groupType, batch_id: null, error_payload_id: null, locked_at: null }).onConflict('group_type').ignore();
      lock = (await lockRow()) as LockRow;
    }
    const holder = holderOf(lock);
    const same = holder !== undefined && holder.kind === asking.kind && holder.id === asking.id;
    if (holder && !same && (await isLive(store, trx, holder, now))) return { taken: false, waitingFor: holder };
    if (asking.kind === 'batch') {
      const older = (await liveBatches(store, trx, now).where('group_type', groupType).where('id', '<', asking.id).orderBy('id').first('id')) as { id: number } | undefined;
      if (older) return { taken: false, waitingFor: { kind: 'batch', id: Number(older.id) } };
    }
    if (!same) {
      await trx(store.tables.keyMapLock)
        .where('group_type', groupType)
        .update({ batch_id: asking.kind === 'batch' ? asking.id : null, error_payload_id: asking.kind === 'error-payload' ? asking.id : null, locked_at: now });
    }
    return { taken: true };
  });
}

interface LockRow {
  batch_id: number | null;
  error_payload_id: number | null;
}

function holderOf(lock: LockRow): KeyMapHolder | undefined {
  if (lock.batch_id !== null) return { kind: 'batch', id: Number(lock.batch_id) };
  if (lock.error_payload_id !== null) return { kind: 'error-payload', id: Number(lock.error_payload_id) };
  return undefined;
}

async function isLive(store: Store, trx: Knex.Transaction, holder: KeyMapHolder, now: number): Promise<boolean> {
  if (holder.kind === 'batch') return !!(await liveBatches(store, trx, now).where('id', holder.id).first('id'));
  return !!(await trx(store.tables.errorPayload).where({ id: holder.id, status: 'RESUBMITTED' }).where('lease_until', '>=', now).first('id'));
}

/** Batches in flight whose lease has not run out: their runtime is working on them. */
function liveBatches(store: Store, trx: Knex.Transaction, now: number): Knex.QueryBuilder {
  return trx(store.tables.batch)
    .whereIn('status', IN_FLIGHT_STATUSES as BatchStatus[])
    .where('lease_until', '>=', now);
}
