/** Drivers differ on BIGINT (number or string): a copy of the row with these columns as numbers, nulls kept. */
export function withNumericColumns<T>(row: Record<string, unknown>, columns: readonly (keyof T & string)[]): T {
  const copy = { ...row };
  for (const column of columns) {
    const value = copy[column];
    if (value !== null && value !== undefined) copy[column] = Number(value);
  }
  return copy as T;
}
