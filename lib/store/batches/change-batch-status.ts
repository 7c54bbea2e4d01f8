import { boundNullableText, boundText } from '../bounded-text';
import { BsyncError, InvalidTransitionError, NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { BatchRow, BatchStatus, EventAction } from '../tables';
import { diagnosticText } from '../storable-text';
import { forUpdate, writeTransaction } from '../transaction';
import { assertBatchTransition } from './batch-transitions';
import { normalizeBatch } from './normalize-batch';

/** A processor found that its lease on a batch was taken over by another runtime: it must stop. */
export class LeaseLostError extends BsyncError {
  constructor(batchId: number, owner: string, currentOwner: string | null) {
    super('LEASE_LOST', `batch ${batchId}: this runtime (${owner}) no longer holds its lease (held by ${currentOwner ?? 'nobody'})`, { batchId });
  }
}

export type BatchPatch = Partial<Omit<BatchRow, 'id' | 'status' | 'status_time' | 'created_at' | 'updated_at'>>;

export interface StatusChange {
  id: number;
  to: BatchStatus;
  /** Who asked: a user name from `msg.user`, or the node. */
  actor: string;
  /** What the audit trail calls it: `cancel`, `retry`, `processing`, `processed`… */
  action: EventAction;
  /** Statuses the caller accepts the batch being in; default: any the state machine allows. */
  from?: readonly BatchStatus[];
  /** Only change it while this runtime holds the lease. */
  leaseOwner?: string;
  reason?: string;
  patch?: BatchPatch;
  now?: number;
}

/** Moves a batch to a new status and records the event, in one transaction. */
export async function changeBatchStatus(store: Store, change: StatusChange): Promise<BatchRow> {
  const now = change.now ?? Date.now();
  return writeTransaction(store, async (trx) => {
    const row = await forUpdate(store, trx(store.tables.batch).where('id', change.id)).first();
    if (!row) throw new NotFoundError('batch', change.id);
    const before = normalizeBatch(row);
    if (change.leaseOwner !== undefined && before.lease_owner !== change.leaseOwner) {
      throw new LeaseLostError(before.id, change.leaseOwner, before.lease_owner);
    }
    if (change.from && !change.from.includes(before.status)) {
      throw new InvalidTransitionError('batch', before.id, before.status, change.to);
    }
    assertBatchTransition(before.id, before.status, change.to);

    // The reason of a failure may quote the file (a parser's message): bounded like every stored text, and
    // storable (PostgreSQL keeps no NUL).
    const patch = change.patch?.error === undefined ? (change.patch ?? {}) : { ...change.patch, error: diagnosticText(store, boundNullableText(change.patch.error)) };
    const reason = change.reason === undefined ? undefined : diagnosticText(store, boundText(change.reason));
    await trx(store.tables.batch)
      .where({ id: change.id, status: before.status })
      .update({ ...patch, status: change.to, status_time: now, updated_at: now });

    const changed: Record<string, { before: unknown; after: unknown }> = {};
    for (const [key, value] of Object.entries(patch)) {
      const previous = (before as unknown as Record<string, unknown>)[key];
      if (previous !== value) changed[key] = { before: previous, after: value };
    }
    await recordEvents(store, trx, [
      {
        entity: 'batch',
        entityId: before.id,
        batchId: before.id,
        action: change.action,
        fromStatus: before.status,
        toStatus: change.to,
        actor: change.actor,
        detail: { ...(reason ? { reason } : {}), ...(Object.keys(changed).length ? { changed } : {}) },
        at: now,
      },
    ]);
    return normalizeBatch(await trx(store.tables.batch).where('id', change.id).first());
  });
}
