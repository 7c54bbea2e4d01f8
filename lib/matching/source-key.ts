/** A source key longer than this is refused, not cut: bsync_key_map keeps it whole. */
export const SOURCE_KEY_MAX_LENGTH = 500;

export type SourceKeyResult = { ok: true; sourceKey: string } | { ok: false; error: string };

/**
 * The source key of a row: JSON of its key column values as read, in the order of the key columns
 * (`{"customerNo":"C-007"}`). Nothing is converted: CSV text stays text ("007" is not 7), a JSON Lines
 * value keeps its type. A row without a value for a key column has no key: that is the row's error.
 */
export function sourceKeyOf(record: Record<string, unknown>, keyColumns: readonly string[]): SourceKeyResult {
  const key: Record<string, unknown> = {};
  for (const column of keyColumns) {
    const value = Object.prototype.hasOwnProperty.call(record, column) ? record[column] : undefined;
    if (value === undefined || value === null || value === '') return { ok: false, error: `the row has no value for the key column ${column}` };
    if (typeof value === 'object') return { ok: false, error: `the key column ${column} holds a list or an object, not one value` };
    Object.defineProperty(key, column, { value, enumerable: true, writable: true, configurable: true });
  }
  const sourceKey = JSON.stringify(key);
  if (sourceKey.length > SOURCE_KEY_MAX_LENGTH) return { ok: false, error: `the row's key (${keyColumns.join(', ')}) is longer than ${SOURCE_KEY_MAX_LENGTH} characters` };
  return { ok: true, sourceKey };
}
