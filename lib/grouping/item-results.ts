/** One item of a group that the downstream's answer says failed: its 0-based position in the sent array. */
export interface FailedItem {
  index: number;
  error: string;
}

export type ItemResults = { ok: true; failed: FailedItem[] } | { ok: false; error: string };

const ITEM_FAILED = 'the downstream reported this item as failed';

/**
 * Reads what the item-results expression gave for an answer to a call of `itemCount` items: nothing, null or
 * an empty list (every item succeeded), or a list (JSONata gives a single match unwrapped: one value counts as
 * a list of one) of 0-based positions or `{index, error}` objects. A position that is not one of the sent
 * items is an answer (or expression) error: reported plainly, never guessed at.
 */
export function readItemResults(value: unknown, itemCount: number): ItemResults {
  if (value === undefined || value === null) return { ok: true, failed: [] };
  const entries = Array.isArray(value) ? value : [value];
  const failed = new Map<number, FailedItem>();
  for (const entry of entries) {
    const item = readEntry(entry);
    if (typeof item === 'string') return { ok: false, error: item };
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= itemCount) {
      return {
        ok: false,
        error: `the item results name position ${JSON.stringify(item.index)}, but the call sent ${itemCount} item${itemCount === 1 ? '' : 's'} (positions 0 to ${itemCount - 1})`,
      };
    }
    if (!failed.has(item.index)) failed.set(item.index, item);
  }
  return { ok: true, failed: [...failed.values()].sort((a, b) => a.index - b.index) };
}

function readEntry(entry: unknown): FailedItem | string {
  if (typeof entry === 'number') return { index: entry, error: ITEM_FAILED };
  if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
    const { index, error } = entry as { index?: unknown; error?: unknown };
    if (typeof index !== 'number') return `an item result ${excerpt(entry)} has no numeric index`;
    const said = typeof error === 'string' && error !== '' ? error : error === undefined || error === null ? ITEM_FAILED : JSON.stringify(error);
    return { index, error: said };
  }
  return `the item results must be 0-based positions or {index, error} objects, not ${excerpt(entry)}`;
}

function excerpt(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
