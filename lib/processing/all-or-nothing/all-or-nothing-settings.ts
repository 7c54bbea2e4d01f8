import type { TargetKeySource } from '../../matching/target-key';

/**
 * All or nothing (DESIGN.md): every row is validated and mapped before anything is sent; with an undo
 * request set, a batch that fails at the API after applying rows undoes each of them and ends FAILED.
 */
export interface AllOrNothingSettings {
  /**
   * The request that undoes one applied row, e.g. `DELETE /contacts/{targetKey}`: `{targetKey}` is the id
   * the row's answer named (ProcessorSettings.targetKey says where), any other `{field}` is the row's column.
   * Without it, the first pass is all there is: at the API the batch runs as any other.
   */
  compensation?: { method: string; pathTemplate: string };
}

export type { TargetKeySource };
