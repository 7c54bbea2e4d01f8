import { findBatchBySha256, type Store } from '../store';

/** The id of a batch already parked with this content in this group type, or undefined. */
export type DuplicateLookup = (groupType: string, sha256: string) => Promise<number | undefined>;

export function duplicateLookupIn(store: Store): DuplicateLookup {
  return async (groupType, sha256) => (await findBatchBySha256(store, groupType, sha256))?.id;
}
