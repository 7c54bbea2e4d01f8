/** What the key map holds for a source key (the part the decision needs). */
export interface KnownMapping {
  /** Null when the create answer named no id: the record exists but cannot be addressed. */
  targetKey: string | null;
  contentHash: string;
  /** The batch whose version was delivered last; null (or absent) when not known. */
  originBatchId?: number | null;
}

export type DeliveryDecision =
  | { action: 'create' }
  | { action: 'update'; targetKey: string }
  | { action: 'skip' }
  | { action: 'superseded'; byBatchId: number }
  | { action: 'unaddressable' };

export interface DecisionOptions {
  /** False for a replay: someone asked for these rows again (e.g. the remote system that lost them). */
  skipUnchanged: boolean;
  /** The batch the row comes from: with `skipUnchanged`, a version of a batch parked after it is not overwritten. */
  originBatchId?: number;
}

/**
 * Create, update or skip: an unmapped key is created; a mapped one whose last delivered body hashes the
 * same is skipped (nothing changed); otherwise it is updated by its target key. A mapped key without a
 * target key (created, but the answer named no id) cannot be updated, and creating it again would make a
 * second record: `unaddressable`, which the row reports. Without `skipUnchanged` (a replay) an unchanged row
 * is updated all the same.
 * A key whose last delivered version came from a batch parked after this row's (`superseded`) is not sent:
 * the downstream already holds a newer version. That happens when a batch interrupted (re-parked to retry)
 * resumes after a newer batch of the group type ran; a replay is sent whatever came since, as asked.
 */
export function decideDelivery(known: KnownMapping | undefined, hash: string, options: DecisionOptions = { skipUnchanged: true }): DeliveryDecision {
  if (!known) return { action: 'create' };
  const newer = known.originBatchId;
  if (options.skipUnchanged && options.originBatchId !== undefined && newer !== null && newer !== undefined && newer > options.originBatchId) {
    return { action: 'superseded', byBatchId: newer };
  }
  if (options.skipUnchanged && known.contentHash === hash) return { action: 'skip' };
  if (known.targetKey === null) return { action: 'unaddressable' };
  return { action: 'update', targetKey: known.targetKey };
}
