/** A partition's rows of its parent's file: first_row..last_row, both included, numbered from 1. */
export interface RowRange {
  firstRow: number;
  lastRow: number;
}

/**
 * Splits rows 1..totalRows into ranges of `partitionRows` (the last one shorter). The split depends only on
 * these two numbers, so a parent that is partitioned again (a retry) gets the same ranges.
 */
export function partitionRanges(totalRows: number, partitionRows: number): RowRange[] {
  if (!Number.isSafeInteger(partitionRows) || partitionRows < 1) throw new RangeError(`partitionRows must be a whole number from 1, got ${partitionRows}`);
  const ranges: RowRange[] = [];
  for (let firstRow = 1; firstRow <= totalRows; firstRow += partitionRows) {
    ranges.push({ firstRow, lastRow: Math.min(totalRows, firstRow + partitionRows - 1) });
  }
  return ranges;
}
