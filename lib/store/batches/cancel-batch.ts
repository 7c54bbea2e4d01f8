import { refusePartition } from '../partitions/refuse-partition';
import { InvalidTransitionError } from '../../errors';
import type { BatchRow, BatchStatus } from '../tables';
import type { Store } from '../open-store';
import { releaseHeldCopies } from '../error-payloads/release-held-copies';
import { storeInTransaction } from '../store-in-transaction';
import { writeTransaction } from '../transaction';
import { changeBatchStatus } from './change-batch-status';

/** Only a batch that is still waiting can be cancelled: one being processed would race its processor. */
const CANCELLABLE_STATUSES: readonly BatchStatus[] = ['NEW', 'ERROR_RETRY', 'RETRY'];

export interface CancelRequest {
  id: number;
  /** Who asked: written to the audit trail. */
  actor: string;
  reason?: string;
  now?: number;
}

/**
 * Takes a parked batch out of the parking lot for good (a later retry can bring it back). A cancelled
 * replay gives the failed rows it held back to its parent's open list (NEW), in the same transaction.
 */
export async function cancelBatch(store: Store, request: CancelRequest): Promise<BatchRow> {
  const now = request.now ?? Date.now();
  try {
    return await writeTransaction(store, async (trx) => {
      await refusePartition(store, trx, request.id, 'cancelled');
      const cancelled = await changeBatchStatus(storeInTransaction(store, trx), {
        id: request.id,
        to: 'CANCELLED',
        from: CANCELLABLE_STATUSES,
        actor: request.actor,
        action: 'cancel',
        reason: request.reason,
        now,
      });
      const reason = `replay batch ${cancelled.id} was cancelled${request.reason ? `: ${request.reason}` : ''}`;
      await releaseHeldCopies(store, trx, cancelled, { actor: request.actor, reason, now });
      return cancelled;
    });
  } catch (error) {
    if (error instanceof InvalidTransitionError) {
      error.message = `batch ${request.id} is ${error.from}: only NEW, ERROR_RETRY or RETRY batches can be cancelled`;
    }
    throw error;
  }
}
