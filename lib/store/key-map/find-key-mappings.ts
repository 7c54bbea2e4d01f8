import type { Store } from '../open-store';
import type { KeyMapRow } from '../tables';

/** What matching needs of a mapping: the downstream's id and the hash of the body last delivered. */
export interface FoundMapping {
  targetKey: string | null;
  contentHash: string;
  /** The batch whose version was delivered last; null for a mapping written before it was kept. */
  originBatchId: number | null;
}

/**
 * The mappings of many source keys of one group type, in one statement (the processor asks per chunk of
 * rows, never per row). A key without a mapping is absent from the answer.
 */
export async function findKeyMappings(store: Store, groupType: string, sourceKeys: readonly string[]): Promise<Map<string, FoundMapping>> {
  const found = new Map<string, FoundMapping>();
  if (sourceKeys.length === 0) return found;
  const rows = (await store
    .knex(store.tables.keyMap)
    .select('source_key', 'target_key', 'content_hash', 'origin_batch_id')
    .where('group_type', groupType)
    .whereIn('source_key', [...new Set(sourceKeys)])) as Pick<KeyMapRow, 'source_key' | 'target_key' | 'content_hash' | 'origin_batch_id'>[];
  for (const row of rows) {
    found.set(row.source_key, { targetKey: row.target_key ?? null, contentHash: row.content_hash, originBatchId: row.origin_batch_id === null ? null : Number(row.origin_batch_id) });
  }
  return found;
}
