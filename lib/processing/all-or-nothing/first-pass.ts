import { describeError } from '../../errors';
import { writeCheckpointWindow, type BatchRow, type FailedRow, type Store } from '../../store';
import { readFileRows, type BatchFileScan } from '../file-rows';
import { fillPathTemplate } from '../path-template';
import type { ProcessorSettings } from '../processor-settings';
import { failedRow, type RowWork } from '../row-work';
import { rowFields } from './applied-row';

export interface FirstPassContext {
  store: Store;
  owner: string;
  settings: ProcessorSettings;
  /** True once the run is to stop: the pass ends early, and the batch is re-parked as any other run's. */
  stopped: () => boolean;
  onFailedRow?: (failure: FailedRow) => void;
}

export type FirstPassResult =
  | { ok: true }
  | { ok: false; stopped: true }
  | { ok: false; stopped: false; badRows: number; reason: string };

/** How many bad rows the reason names; the error payloads hold every one. */
const NAMED_ROWS = 10;

/**
 * Reads, validates and maps every row before anything is sent, and keeps nothing of a good row. Every bad
 * row is stored as an error payload (in windows, as the send pass would), the checkpoint stays where it
 * is: a batch with a bad row sends nothing. Also checks that each row can fill the undo path, whose
 * `{targetKey}` only the answer will tell.
 */
export async function checkEveryRow(context: FirstPassContext, batch: BatchRow, filePath: string, scan: BatchFileScan, originBatchId: number): Promise<FirstPassResult> {
  const { settings } = context;
  const undoTemplate = settings.allOrNothing?.compensation?.pathTemplate;
  const rows = readFileRows(filePath, scan, originBatchId, settings, 0, batch.id);
  let pending: FailedRow[] = [];
  let badRows = 0;
  const named: number[] = [];
  const store = async () => {
    if (pending.length === 0) return;
    const now = Date.now();
    await writeCheckpointWindow(context.store, {
      batchId: batch.id,
      groupType: batch.group_type,
      groupId: batch.group_id,
      owner: context.owner,
      checkpointRow: batch.checkpoint_row,
      // The counters are set once, when the batch ends: a pass run again after a crash counts nothing twice.
      processed: 0,
      succeeded: 0,
      failed: 0,
      failures: pending,
      resolvedRows: [],
      leaseUntil: now + settings.leaseMs,
      now,
    });
    for (const failure of pending) context.onFailedRow?.(failure);
    pending = [];
  };
  try {
    for (;;) {
      const work = await rows.next();
      if (!work) break;
      if (context.stopped()) return { ok: false, stopped: true };
      const failure = failureOf(work, undoTemplate);
      if (!failure) continue;
      badRows += 1;
      if (named.length < NAMED_ROWS) named.push(work.rowNumber);
      pending.push(failure);
      if (pending.length >= settings.windowRows) await store();
    }
  } finally {
    await rows.close();
  }
  await store();
  if (badRows === 0) return { ok: true };
  const list = named.join(', ') + (badRows > named.length ? ', …' : '');
  return {
    ok: false,
    stopped: false,
    badRows,
    reason: `all or nothing: ${badRows} of ${scan.rows} rows cannot be sent (row${badRows === 1 ? '' : 's'} ${list}); nothing was sent`,
  };
}

function failureOf(work: RowWork, undoTemplate: string | undefined): FailedRow | undefined {
  // A row's own result before sending: a failed group's other rows (failedWithRow) never get here ungrouped.
  if (work.result) return !work.result.ok && 'failure' in work.result ? work.result.failure : undefined;
  if (!undoTemplate || !work.request) return undefined;
  try {
    // Any id stands in for the one the answer will name: what is checked here is the row's own fields.
    fillPathTemplate(undoTemplate, { ...rowFields(work), targetKey: 'id' });
    return undefined;
  } catch (error) {
    return { ...failedRow(work.rowNumber, work.request.body, work.original, work.key, 'mapping', `undo request: ${describeError(error)}`) };
  }
}
