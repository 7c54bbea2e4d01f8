/** What the key map holds for a source key (the part the decision needs). */
export interface KnownMapping {
  /** Null when the create answer named no id: the record exists but cannot be addressed. */
  targetKey: string | null;
  contentHash: string;
}

export type DeliveryDecision =
  | { action: 'create' }
  | { action: 'update'; targetKey: string }
  | { action: 'skip' }
  | { action: 'unaddressable' };

/**
 * Create, update or skip: an unmapped key is created; a mapped one whose last delivered body hashes the
 * same is skipped (nothing changed); otherwise it is updated by its target key. A mapped key without a
 * target key (created, but the answer named no id) cannot be updated, and creating it again would make a
 * second record: `unaddressable`, which the row reports. Without `skipUnchanged` (a replay: someone asked
 * for these rows again, e.g. the remote system that lost them) an unchanged row is updated all the same.
 */
export function decideDelivery(known: KnownMapping | undefined, hash: string, options: { skipUnchanged: boolean } = { skipUnchanged: true }): DeliveryDecision {
  if (!known) return { action: 'create' };
  if (options.skipUnchanged && known.contentHash === hash) return { action: 'skip' };
  if (known.targetKey === null) return { action: 'unaddressable' };
  return { action: 'update', targetKey: known.targetKey };
}
