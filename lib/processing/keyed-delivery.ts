import { bodyExcerpt } from '../delivery/describe-response';
import { describeError } from '../errors';
import { recreateKey } from '../lineage';
import { contentHash, decideDelivery, readTargetKey, updatePath, type KnownMapping, type MatchingSettings } from '../matching';
import { findKeyMappings, type KeyMapping, type Store } from '../store';
import type { RowResult } from './checkpoint-tracker';
import { KeyedRows, type RowSource } from './keyed-rows';
import type { ProcessorSettings } from './processor-settings';
import { resultOf, type RowSender } from './row-sender';
import { failedRow, type RowWork } from './row-work';

/** Rows whose keys are looked up in one statement: a few statements per thousand rows, at most. */
export const KEY_LOOKUP_ROWS = 2000;

/** With key matching, a row's request is its create request: prepared (path filled) as any row's is. */
export function withCreateRequest(settings: ProcessorSettings): ProcessorSettings {
  if (!settings.matching) return settings;
  const { method, pathTemplate } = settings.matching.create;
  return { ...settings, request: { ...settings.request, method, pathTemplate } };
}

/**
 * Key matching for one batch run: each row's source key decides create, update or skip (DESIGN.md "Match
 * records by the keys of both systems"). What the key map holds is read per chunk of rows, and what this
 * run delivered is kept here until the end of the run, so a key seen again is decided on its latest
 * version even before its window is written. Rows of the same key are decided one after the other:
 * the second waits for the first to settle and sees its target key and hash (never two creates).
 * A key is forgotten once every row of it read so far is behind a written checkpoint (the store then holds
 * what this run delivered for it), so what is held stays within the rows read ahead, whatever the batch's size.
 */
export class KeyedDelivery {
  /** Per source key: its mapping, or null when looked up and unmapped. */
  private readonly known = new Map<string, KnownMapping | null>();
  /** Per source key: the settling of the last row of it under way. */
  private readonly turns = new Map<string, Promise<void>>();
  /** Per source key held in `known`: the last row read so far that has it. */
  private readonly lastRows = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly matching: MatchingSettings,
    private readonly sender: RowSender,
    /**
     * `replay`: a batch parked to send rows again (a resend or a replay): unchanged rows are not skipped.
     * `originBatchId`: the batch whose rows these are (the batch itself, or a replay's origin), kept with each
     * mapping as the version's batch.
     */
    private readonly batch: { id: number; groupType: string; originBatchId: number; replay?: boolean },
  ) {}

  /** The rows of the run, with their keys looked up chunk by chunk. */
  rows(source: RowSource, chunkRows = KEY_LOOKUP_ROWS): RowSource {
    return new KeyedRows(
      source,
      (keys, lastRows) => {
        for (const [key, row] of lastRows) this.lastRows.set(key, Math.max(row, this.lastRows.get(key) ?? 0));
        return this.lookUp(keys);
      },
      chunkRows,
    );
  }

  /** How many source keys are held: bounded by the rows read ahead, not the batch. */
  get heldKeys(): number {
    return this.known.size;
  }

  /**
   * After a checkpoint window up to `checkpointRow` is written: keys whose every row read so far is at or
   * before it are dropped. The window wrote what this run delivered for them, so the store has their latest
   * version; a later row of one is looked up again with its chunk.
   */
  forgetUpTo(checkpointRow: number): void {
    for (const [key, row] of this.lastRows) {
      if (row > checkpointRow || this.turns.has(key)) continue;
      this.lastRows.delete(key);
      this.known.delete(key);
    }
  }

  /** The row's result, or undefined when its request was cut off (as RowSender.sendWork). */
  async deliver(work: RowWork): Promise<RowResult | undefined> {
    if (work.result || !work.request) return work.result;
    if (!work.match) return this.sender.sendWork(work);
    const sourceKey = work.match.sourceKey;
    this.lastRows.set(sourceKey, Math.max(work.rowNumber, this.lastRows.get(sourceKey) ?? 0));
    const before = this.turns.get(sourceKey);
    let settled!: () => void;
    const turn = new Promise<void>((resolve) => (settled = resolve));
    this.turns.set(sourceKey, turn);
    try {
      if (before) await before;
      if (!this.known.has(sourceKey)) await this.lookUp([sourceKey]);
      return await this.decideAndSend(work, work.match, work.request);
    } finally {
      settled();
      if (this.turns.get(sourceKey) === turn) this.turns.delete(sourceKey);
    }
  }

  private async lookUp(sourceKeys: readonly string[]): Promise<void> {
    const unknown = [...new Set(sourceKeys.filter((key) => !this.known.has(key)))];
    if (unknown.length === 0) return;
    const found = await findKeyMappings(this.store, this.batch.groupType, unknown);
    // A key decided meanwhile (by a row of this run) keeps what this run delivered: the store may lag behind.
    for (const key of unknown) if (!this.known.has(key)) this.known.set(key, found.get(key) ?? null);
  }

  private async decideAndSend(work: RowWork, match: NonNullable<RowWork['match']>, request: NonNullable<RowWork['request']>): Promise<RowResult | undefined> {
    const hash = contentHash(request.body);
    const decision = decideDelivery(this.known.get(match.sourceKey) ?? undefined, hash, { skipUnchanged: !this.batch.replay, originBatchId: this.batch.originBatchId });
    // Superseded: a newer batch's version is delivered already; counted with the skipped rows.
    if (decision.action === 'skip' || decision.action === 'superseded') return { ok: true, key: work.key, skipped: true };
    if (decision.action === 'create') return this.create(work, match.sourceKey, request, hash);
    if (decision.action === 'unaddressable') {
      const error = `the record of source key ${match.sourceKey} was created before, but its create answer named no target key: it cannot be updated`;
      return { ok: false, transient: false, failure: failedRow(work.rowNumber, request.body, work.original, work.key, 'permanent', error) };
    }
    const { targetKey } = decision;
    const outcome = await this.sender.send(updatePath(match.updatePathParts, targetKey), request.body, work.key, request.contentType, this.matching.update.method);
    if (!outcome) return undefined;
    if (outcome.kind === 'success') return this.delivered(work, match.sourceKey, targetKey, hash, outcome.status);
    if (outcome.kind === 'permanent' && outcome.status === 404) {
      if (this.matching.onUpdateNotFound === 'recreate') return this.create(work, match.sourceKey, request, hash, targetKey);
      const error = `the target deleted the record ${targetKey} of source key ${match.sourceKey}: the update answered 404 Not Found`;
      return {
        ok: false,
        transient: false,
        failure: { ...failedRow(work.rowNumber, request.body, work.original, work.key, 'permanent', error), httpStatus: 404, errorDetail: outcome.detail ?? null },
      };
    }
    return resultOf(work.rowNumber, outcome, request.body, work.original, work.key);
  }

  /** `deletedTargetKey`: the create re-creates the record the target answered 404 for. */
  private async create(work: RowWork, sourceKey: string, request: NonNullable<RowWork['request']>, hash: string, deletedTargetKey?: string): Promise<RowResult | undefined> {
    // A re-create goes under a key of its own (the row's key would be answered with the deleted record).
    const requestKey = deletedTargetKey === undefined ? work.key : recreateKey(work.key, deletedTargetKey);
    const outcome = await this.sender.send(request.path, request.body, requestKey, request.contentType, this.matching.create.method);
    if (!outcome) return undefined;
    if (outcome.kind !== 'success') return resultOf(work.rowNumber, outcome, request.body, work.original, work.key);
    try {
      const targetKey = await readTargetKey(outcome, this.matching.targetKey);
      // A target that answers the re-create with the deleted record's id has created nothing.
      if (deletedTargetKey !== undefined && targetKey === deletedTargetKey) {
        const error = `the target deleted the record ${targetKey} of source key ${sourceKey}, and answered its re-create (Idempotency-Key ${requestKey}) with the id of the deleted record: nothing was created again`;
        return {
          ok: false,
          transient: false,
          failure: { ...failedRow(work.rowNumber, request.body, work.original, work.key, 'permanent', error), httpStatus: outcome.status, errorDetail: bodyExcerpt(outcome.body) ?? null },
        };
      }
      return this.delivered(work, sourceKey, targetKey, hash, outcome.status);
    } catch (error) {
      // The record exists now: mapped without a target key, so it is never created a second time.
      const created = this.delivered(work, sourceKey, null, hash, outcome.status);
      const reason = `the record was created (HTTP ${outcome.status}), but ${describeError(error)}; its key map entry has no target key, so later changes cannot be sent`;
      return {
        ok: false,
        transient: false,
        mapping: created.mapping,
        failure: { ...failedRow(work.rowNumber, request.body, work.original, work.key, 'rejected', reason), httpStatus: outcome.status, errorDetail: bodyExcerpt(outcome.body) ?? null },
      };
    }
  }

  private delivered(work: RowWork, sourceKey: string, targetKey: string | null, hash: string, httpStatus: number): RowResult & { ok: true; mapping: KeyMapping } {
    const originBatchId = this.batch.originBatchId;
    this.known.set(sourceKey, { targetKey, contentHash: hash, originBatchId });
    return { ok: true, key: work.key, httpStatus, mapping: { sourceKey, targetKey, contentHash: hash, batchId: this.batch.id, rowNumber: work.rowNumber, originBatchId } };
  }
}
