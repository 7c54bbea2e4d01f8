import type { Store } from '../open-store';
import type { KeyMapRow } from '../tables';

/** Bind parameters per statement stay far below every dialect's limit (SQLite's 32766, MSSQL's 2100). */
const KEYS_PER_STATEMENT = 500;

/**
 * The key map rows of these source keys (JSON texts, exactly as bsync_key_map stores them) in one group
 * type: where the latest delivered version of each came from (batch_id, row_number). A key without a row
 * is simply absent from the answer. One SELECT, in chunks of IN lists for a long list of keys.
 */
export async function latestKeyVersions(store: Store, groupType: string, sourceKeys: readonly string[]): Promise<KeyMapRow[]> {
  const unique = [...new Set(sourceKeys)];
  const rows: KeyMapRow[] = [];
  for (let start = 0; start < unique.length; start += KEYS_PER_STATEMENT) {
    const found = (await store
      .knex(store.tables.keyMap)
      .where('group_type', groupType)
      .whereIn('source_key', unique.slice(start, start + KEYS_PER_STATEMENT))
      .orderBy('id')) as Record<string, unknown>[];
    rows.push(...found.map(normalizeKeyMapRow));
  }
  return rows;
}

/** Numbers as numbers on every driver (bigint columns come back as text from pg and mysql2). */
function normalizeKeyMapRow(row: Record<string, unknown>): KeyMapRow {
  return {
    id: Number(row.id),
    group_type: String(row.group_type),
    source_key: String(row.source_key),
    target_key: row.target_key === null || row.target_key === undefined ? null : String(row.target_key),
    content_hash: String(row.content_hash),
    batch_id: Number(row.batch_id),
    row_number: Number(row.row_number),
    origin_batch_id: row.origin_batch_id === null || row.origin_batch_id === undefined ? null : Number(row.origin_batch_id),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}
