/**
 * The parent a row belongs to: its group columns' values as read, in order. Compared exactly: "007" and "7"
 * are two parents, and so (in JSON Lines) are 7 and "7". A missing column is its own value, not an empty one.
 */
export function groupKeyOf(record: Readonly<Record<string, unknown>>, columns: readonly string[]): string {
  return JSON.stringify(columns.map((column) => (Object.prototype.hasOwnProperty.call(record, column) ? [record[column]] : [])));
}
