import type { Knex } from 'knex';
import type { Store } from '../open-store';

/** A version of a record delivered: its source key now maps to this target key and content. */
export interface KeyMapping {
  sourceKey: string;
  /** Null when the create answer named no id. */
  targetKey: string | null;
  contentHash: string;
  /** Where this version came from. */
  batchId: number;
  rowNumber: number;
  /** The batch whose version it is: `batchId`, or the origin of that replay. */
  originBatchId: number;
}

/** Rows per statement: 9 values each, 18,000 in all, stays under every dialect's limit of bound values (SQLite 32,766). */
const ROWS_PER_STATEMENT = 2000;

/**
 * Writes mappings inside the caller's transaction (the checkpoint window's): an upsert on
 * (group_type, source_key), so the last delivered version wins and `created_at` stays the first's.
 * The same source key twice in one call is written once, with its later version.
 */
export async function writeKeyMappings(store: Store, trx: Knex.Transaction, groupType: string, mappings: readonly KeyMapping[], now: number): Promise<void> {
  const latest = new Map<string, KeyMapping>();
  for (const mapping of mappings) latest.set(mapping.sourceKey, mapping);
  const rows = [...latest.values()].map((mapping) => ({
    group_type: groupType,
    source_key: mapping.sourceKey,
    target_key: mapping.targetKey,
    content_hash: mapping.contentHash,
    batch_id: mapping.batchId,
    row_number: mapping.rowNumber,
    origin_batch_id: mapping.originBatchId,
    created_at: now,
    updated_at: now,
  }));
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    if (store.dialect === 'sqlite') {
      await trx.raw(sqliteUpsert(store.tables.keyMap, chunk.length), chunk.flatMap((row) => COLUMNS.map((column) => row[column])));
      continue;
    }
    await trx(store.tables.keyMap).insert(chunk).onConflict(['group_type', 'source_key']).merge(MERGED);
  }
}

const COLUMNS = ['group_type', 'source_key', 'target_key', 'content_hash', 'batch_id', 'row_number', 'origin_batch_id', 'created_at', 'updated_at'] as const;
const MERGED = ['target_key', 'content_hash', 'batch_id', 'row_number', 'origin_batch_id', 'updated_at'];

/**
 * knex writes a multi-row insert on SQLite as `SELECT … UNION ALL SELECT …`, which SQLite caps at 500 terms;
 * a VALUES list has no such cap, so a window's mappings stay one statement.
 */
function sqliteUpsert(table: string, rowCount: number): string {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return (
    `insert into ${quote(table)} (${COLUMNS.map(quote).join(', ')}) values ${Array.from({ length: rowCount }, () => row).join(', ')} ` +
    `on conflict (${quote('group_type')}, ${quote('source_key')}) do update set ${MERGED.map((column) => `${quote(column)} = excluded.${quote(column)}`).join(', ')}`
  );
}
