import type { TargetKeySource } from './target-key';

/** A request of the matching: its method and path template (the update's names `{targetKey}`). */
export interface MatchRequest {
  method: string;
  pathTemplate: string;
}

/**
 * Matching records by the keys of both systems (DESIGN.md "Match records…"): set on the row-processor, off
 * when absent. A row whose source key is mapped is sent as an update, an unmapped one as a create.
 */
export interface MatchingSettings {
  /** The row's columns that make its source key, e.g. `customerNo`. */
  keyColumns: readonly string[];
  create: MatchRequest;
  update: MatchRequest;
  /** Where a create answer names the downstream's id. */
  targetKey: TargetKeySource;
  /**
   * An update answered 404 (the target deleted the record): `report` keeps the row as a permanent error
   * payload saying so; `recreate` creates the record again and maps the new id.
   */
  onUpdateNotFound: 'report' | 'recreate';
}
