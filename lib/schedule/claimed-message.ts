import type { BatchRow, ErrorPayloadRow } from '../store';
import type { DispatchRunResult } from './dispatch-run';

export interface Lease {
  owner: string;
  /** Epoch ms: the processor renews the lease before then, or another runtime may claim the request. */
  until: number;
}

export type ClaimedMessage =
  | { topic: 'batch'; payload: BatchRow; batch: BatchRow; lease: Lease }
  | { topic: 'error-payload'; payload: ErrorPayloadRow; errorPayload: ErrorPayloadRow; lease: Lease };

/** One message per claimed request, in claim order: what a row-processor takes as its input. */
export function claimedMessages(run: DispatchRunResult): ClaimedMessage[] {
  if (run.mode === 'batches') {
    return run.claimed.map((batch) => ({ topic: 'batch', payload: batch, batch, lease: leaseOf(batch) }));
  }
  return run.claimed.map((errorPayload) => ({ topic: 'error-payload', payload: errorPayload, errorPayload, lease: leaseOf(errorPayload) }));
}

function leaseOf(item: { lease_owner: string | null; lease_until: number | null }): Lease {
  return { owner: item.lease_owner ?? '', until: Number(item.lease_until) };
}
