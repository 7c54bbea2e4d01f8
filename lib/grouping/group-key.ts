/**
 * The parent a row belongs to: its group columns' values as read, in order. Compared exactly: "007" and "7"
 * are two parents, and so (in JSON Lines) are 7 and "7". A missing column is its own value, not an empty one.
 */
export function groupKeyOf(record: Readonly<Record<string, unknown>>, columns: readonly string[]): string {
  return JSON.stringify(columns.map((column) => (Object.prototype.hasOwnProperty.call(record, column) ? [record[column]] : [])));
}

/**
 * Whether two rows have the same parent: the same as comparing their groupKeyOf, without writing the keys.
 * Consecutive rows of a sorted file mostly do, and text (every CSV value) compares as it is.
 */
export function sameParent(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>, columns: readonly string[]): boolean {
  for (const column of columns) {
    const inA = Object.prototype.hasOwnProperty.call(a, column);
    if (inA !== Object.prototype.hasOwnProperty.call(b, column)) return false;
    if (!inA) continue;
    const [valueA, valueB] = [a[column], b[column]];
    if (typeof valueA === 'string' && typeof valueB === 'string') {
      if (valueA !== valueB) return false;
    } else if (JSON.stringify([valueA]) !== JSON.stringify([valueB])) return false;
  }
  return true;
}
