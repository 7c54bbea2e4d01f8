import { recordEvents, type BatchRow, type EventInput, type Store } from '../../store';
import type { RowResult, Window } from '../checkpoint-tracker';
import type { ProcessorSettings } from '../processor-settings';
import { resultOf, type RowSender } from '../row-sender';
import type { RowWork } from '../row-work';
import { appliedRowEvents, appliedRowOf, type AppliedRow } from './applied-row';

/**
 * The send pass of an all-or-nothing batch with an undo request: remembers what undoes each row the
 * downstream applied until the next checkpoint window writes it (a `rows-applied` event, in the window's
 * transaction: a row the checkpoint passed always has its undo stored), and the first failure with it
 * (`compensation-due`), after which the run sends no more rows.
 */
export class AllOrNothingSend {
  private readonly applied = new Map<number, AppliedRow>();
  private failed = false;
  /** The rows the last window's events carried. */
  private emitted: number[] = [];

  constructor(
    private readonly settings: ProcessorSettings,
    private readonly undoTemplate: string,
  ) {}

  /** A row failed: no more rows are taken; the ones in flight finish and are settled. */
  get failing(): boolean {
    return this.failed;
  }

  /** Undefined for a row not sent because an earlier row failed (it waited for a slot meanwhile): it stays unsettled. */
  async send(sender: RowSender, work: RowWork): Promise<RowResult | undefined> {
    if (this.failed) return undefined;
    if (work.result || !work.request) {
      if (work.result && !work.result.ok) this.failed = true;
      return work.result;
    }
    const outcome = await sender.send(work.request.path, work.request.body, work.key, work.request.contentType);
    if (!outcome) return undefined;
    if (outcome.kind === 'success') this.applied.set(work.rowNumber, await appliedRowOf(work, outcome, this.settings, this.undoTemplate));
    // The downstream found down is no failure of the batch: the row is held, and the batch resumes later.
    else if (!sender.downstreamDown) this.failed = true;
    return resultOf(work.rowNumber, outcome, work.request.body, () => work.original, work.key);
  }

  /**
   * The events a window writes: what undoes every row applied since the last window (not only the rows it
   * settles: a row applied past a held one must not wait, or a run that stops would lose it), and the
   * window's first failure.
   */
  windowEvents(batch: BatchRow, window: Window, owner: string, now: number): EventInput[] {
    const events = this.appliedEvents(batch, owner, now);
    const [failure] = window.failures;
    if (failure) {
      events.push({
        entity: 'batch',
        entityId: batch.id,
        batchId: batch.id,
        action: 'compensation-due',
        actor: owner,
        detail: { rowNumber: failure.rowNumber, httpStatus: failure.httpStatus ?? null, error: failure.error.slice(0, 1000) },
        at: now,
      });
    }
    return events;
  }

  /** The window was written: the undo of the rows it carried is stored, and no longer kept here. */
  written(): void {
    for (const rowNumber of this.emitted) this.applied.delete(rowNumber);
    this.emitted = [];
  }

  /**
   * After the last window: rows applied that no window carried (the last window wrote nothing, its first
   * row held for a resume) are recorded on their own, so the undo knows them.
   */
  async flush(store: Store, batch: BatchRow, owner: string): Promise<void> {
    const events = this.appliedEvents(batch, owner, Date.now());
    if (events.length > 0) await recordEvents(store, store.knex, events);
    this.written();
  }

  private appliedEvents(batch: BatchRow, owner: string, now: number): EventInput[] {
    const rows = [...this.applied.values()].sort((a, b) => a.rowNumber - b.rowNumber);
    this.emitted = rows.map((row) => row.rowNumber);
    return appliedRowEvents(batch.id, owner, rows, now);
  }
}
