/**
 * Group child rows by their parent key (DESIGN.md "Group child rows by their parent key"). Off when absent:
 * every row is its own request, as without grouping.
 */
export interface GroupSettings {
  /** The columns whose values (as read, compared exactly) name a row's parent, e.g. ['accountId']. */
  columns: string[];
  /** At most this many rows in one call; a longer run of the same parent is sent in several calls. */
  maxRows: number;
  /**
   * Over a 2xx answer's body (parsed JSON, or its text): the items of the sent array that failed, as a list of
   * 0-based positions or of `{index, error}` objects. Nothing, null or an empty list: every item succeeded.
   */
  itemResults?: (body: unknown) => Promise<unknown>;
}

export const DEFAULT_MAX_GROUP_ROWS = 100;
