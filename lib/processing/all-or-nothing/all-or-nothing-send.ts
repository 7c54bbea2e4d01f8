import type { BatchRow, EventInput } from '../../store';
import type { RowResult, Window } from '../checkpoint-tracker';
import type { ProcessorSettings } from '../processor-settings';
import { resultOf, type RowSender } from '../row-sender';
import type { RowWork } from '../row-work';
import { appliedRowEvents, appliedRowOf, type AppliedRow } from './applied-row';

/**
 * The send pass of an all-or-nothing batch with an undo request: remembers what undoes each row the
 * downstream applied until the checkpoint window that settles the row writes it (a `rows-applied` event,
 * in the window's transaction, so a crash never loses an applied row's undo), and the first failure with
 * it (`compensation-due`), after which the run takes no more rows.
 */
export class AllOrNothingSend {
  private readonly applied = new Map<number, AppliedRow>();
  private failed = false;

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
    return resultOf(work.rowNumber, outcome, work.request.body, work.original, work.key);
  }

  /** The events a window writes with its rows: what undoes each row it settles as applied, and its first failure. */
  windowEvents(batch: BatchRow, window: Window, owner: string, now: number): EventInput[] {
    const applied: AppliedRow[] = [];
    for (const rowNumber of window.rowNumbers) {
      const row = this.applied.get(rowNumber);
      if (row) applied.push(row);
    }
    const events = appliedRowEvents(batch.id, owner, applied, now);
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

  /** The window was written: its rows' undo is stored, and no longer kept here. */
  written(window: Window): void {
    for (const rowNumber of window.rowNumbers) this.applied.delete(rowNumber);
  }
}
