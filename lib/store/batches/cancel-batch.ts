import { InvalidTransitionError } from '../../errors';
import type { BatchRow, BatchStatus } from '../tables';
import type { Store } from '../open-store';
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

/** Takes a parked batch out of the parking lot for good (a later retry can bring it back). */
export async function cancelBatch(store: Store, request: CancelRequest): Promise<BatchRow> {
  try {
    return await changeBatchStatus(store, {
      id: request.id,
      to: 'CANCELLED',
      from: CANCELLABLE_STATUSES,
      actor: request.actor,
      action: 'cancel',
      reason: request.reason,
      now: request.now,
    });
  } catch (error) {
    if (error instanceof InvalidTransitionError) {
      error.message = `batch ${request.id} is ${error.from}: only NEW, ERROR_RETRY or RETRY batches can be cancelled`;
    }
    throw error;
  }
}
