import { refusePartition } from '../partitions/refuse-partition';
import { InvalidRequestError, InvalidTransitionError } from '../../errors';
import type { BatchRow, BatchStatus } from '../tables';
import type { Store } from '../open-store';
import { holdCopiesAgain } from '../error-payloads/hold-copies-again';
import { storeInTransaction } from '../store-in-transaction';
import { writeTransaction } from '../transaction';
import { changeBatchStatus } from './change-batch-status';
import { findUnsettledReplay } from './unsettled-replay';

/** Settled batches an admin may send again; one in flight or still parked is already going to run. */
const RETRYABLE_STATUSES: readonly BatchStatus[] = ['FAILED', 'PROCESSED', 'CANCELLED'];

export interface RetryRequest {
  id: number;
  /** Who asked: written to the audit trail. */
  actor: string;
  reason?: string;
  now?: number;
}

/**
 * Parks a settled batch again as RETRY, due at once, with its progress wiped so the processor reads the
 * file from the top. Its error payloads stay as they are: the processor settles them as it meets their rows.
 * The event keeps the counters as they were, so the previous run stays visible in the audit trail.
 * A retried replay takes hold again, in the same transaction, of the parent's failed rows it gave back
 * when it was cancelled or could not read its file (holdCopiesAgain), and is refused when one of them is
 * open elsewhere (another replay holds it, or it waits for its resend). A batch with a replay still to run is
 * refused: the replay holds its failed rows, and both would send them.
 */
export async function retryBatch(store: Store, request: RetryRequest): Promise<BatchRow> {
  const now = request.now ?? Date.now();
  try {
    return await writeTransaction(store, async (trx) => {
      await refusePartition(store, trx, request.id, 'retried');
      const replay = await findUnsettledReplay(store, trx, request.id);
      if (replay) {
        throw new InvalidRequestError(
          `batch ${request.id} cannot be retried while its replay batch ${replay.id} is ${replay.status}: it holds the failed rows; cancel it or let it finish first`,
          { batchId: request.id },
        );
      }
      const retried = await changeBatchStatus(storeInTransaction(store, trx), {
        id: request.id,
        to: 'RETRY',
        from: RETRYABLE_STATUSES,
        actor: request.actor,
        action: 'retry',
        reason: request.reason,
        now,
        patch: {
          parked_until: now,
          checkpoint_row: 0,
          processed_rows: 0,
          succeeded_rows: 0,
          failed_rows: 0,
          skipped_rows: 0,
          error: null,
          lease_owner: null,
          lease_until: null,
          finished_at: null,
        },
      });
      await holdCopiesAgain(store, trx, retried, { actor: request.actor, now });
      return retried;
    });
  } catch (error) {
    if (error instanceof InvalidTransitionError) {
      error.message = `batch ${request.id} is ${error.from}: only FAILED, PROCESSED or CANCELLED batches can be retried`;
    }
    throw error;
  }
}
