import { getBatch, isUnreachable, type BatchRow } from '../store';
import type { Window } from './checkpoint-tracker';
import { settleWindow, type WindowContext } from './settle-window';

export interface RetryWhileUnreachable {
  /** First wait after the database was found unreachable; doubles up to maxWaitMs. */
  firstWaitMs: number;
  maxWaitMs: number;
  /** Stop retrying after this long (the lease: past it another runtime may take the batch over anyway). */
  giveUpAfterMs: number;
  /** True when the run is being stopped: then the write is not waited for. */
  stopping: () => boolean;
}

/**
 * Writes a window and, while the database is unreachable, tries again with backoff instead of giving the
 * run up: the rows' results are kept and the batch carries on as soon as the store answers, rather than
 * sitting PROCESSING until its lease runs out. A write whose commit landed but whose answer was lost
 * shows as the checkpoint already there when read back, and is then taken as written, never written
 * twice (its counters would be added twice). Any other error, or giving up, throws as before.
 */
export async function settleWindowRetrying(context: WindowContext, batch: BatchRow, window: Window, retry: RetryWhileUnreachable): Promise<BatchRow> {
  const giveUpAt = Date.now() + retry.giveUpAfterMs;
  let waitMs = retry.firstWaitMs;
  let failedBefore = false;
  for (;;) {
    try {
      if (failedBefore) {
        const current = await getBatch(context.store, batch.id);
        if (current.checkpoint_row >= window.checkpointRow && current.lease_owner === context.owner) return current;
      }
      return await settleWindow(context, batch, window, Date.now());
    } catch (error) {
      if (!isUnreachable(error) || retry.stopping() || Date.now() + waitMs > giveUpAt) throw error;
    }
    failedBefore = true;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    waitMs = Math.min(waitMs * 2, retry.maxWaitMs);
  }
}
