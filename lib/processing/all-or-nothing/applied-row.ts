import type { Outcome } from '../../delivery/classify';
import { describeError } from '../../errors';
import { readTargetKey } from '../../matching/target-key';
import type { EventInput, EventRow } from '../../store';
import { fillPathTemplate } from '../path-template';
import type { ProcessorSettings } from '../processor-settings';
import type { RowWork } from '../row-work';

/** A row the downstream applied, with what undoes it: kept in a `rows-applied` event until the batch ends. */
export interface AppliedRow {
  rowNumber: number;
  /** The id the answer named; null when no target key is read or the answer named none. */
  targetKey: string | null;
  /** The undo request's path; null when it could not be filled (then `problem` says why). */
  undoPath: string | null;
  problem?: string;
}

type Success = Extract<Outcome, { kind: 'success' }>;

/** The row's columns as read: what fills the `{field}`s of the undo path besides `{targetKey}`. */
export function rowFields(work: Pick<RowWork, 'original'>): Record<string, unknown> {
  try {
    const value = JSON.parse(work.original);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/**
 * What undoes a row just applied: the target key read from its answer, the undo path filled from it and
 * the row. A row whose undo cannot be told (no id in the answer) is still recorded, with the reason, so
 * it is reported as not undone rather than forgotten.
 */
export async function appliedRowOf(work: RowWork, outcome: Success, settings: ProcessorSettings, undoTemplate: string): Promise<AppliedRow> {
  let targetKey: string | null = null;
  if (settings.targetKey) {
    try {
      targetKey = await readTargetKey(outcome, settings.targetKey);
    } catch (error) {
      return { rowNumber: work.rowNumber, targetKey: null, undoPath: null, problem: `the answer named no target key to undo it by: ${describeError(error)}` };
    }
  }
  const fields = targetKey === null ? rowFields(work) : { ...rowFields(work), targetKey };
  try {
    return { rowNumber: work.rowNumber, targetKey, undoPath: fillPathTemplate(undoTemplate, fields) };
  } catch (error) {
    return { rowNumber: work.rowNumber, targetKey, undoPath: null, problem: describeError(error) };
  }
}

/** One stored entry: [row, targetKey, undoPath] or [row, targetKey, null, problem]. */
type Entry = [number, string | null, string | null] | [number, string | null, null, string];

/** Under MAX_STORED_TEXT_CHARS (4000) with room for the rest of the event's JSON: no entry is ever cut off. */
const EVENT_DETAIL_CHARS = 3500;
const PROBLEM_CHARS = 500;

/**
 * The `rows-applied` events of one window, as many as its entries need so that none is cut by the bound
 * on a stored text; an entry too long to keep whole is kept as a row that cannot be undone by request.
 */
export function appliedRowEvents(batchId: number, owner: string, rows: readonly AppliedRow[], now: number): EventInput[] {
  const events: EventInput[] = [];
  let chunk: Entry[] = [];
  let chars = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    events.push({ entity: 'batch', entityId: batchId, batchId, action: 'rows-applied', actor: owner, detail: { rows: chunk }, at: now });
    chunk = [];
    chars = 0;
  };
  for (const row of rows) {
    let entry: Entry = row.undoPath === null ? [row.rowNumber, row.targetKey, null, (row.problem ?? 'no undo request').slice(0, PROBLEM_CHARS)] : [row.rowNumber, row.targetKey, row.undoPath];
    let length = JSON.stringify(entry).length + 1;
    if (length > EVENT_DETAIL_CHARS - 20) {
      entry = [row.rowNumber, null, null, 'the undo request of this row is too long to keep (target key and path over 3,500 characters)'];
      length = JSON.stringify(entry).length + 1;
    }
    if (chars + length > EVENT_DETAIL_CHARS) flush();
    chunk.push(entry);
    chars += length;
  }
  flush();
  return events;
}

/** The rows a `rows-applied` event recorded, in the order they were written. */
export function appliedRowsOf(event: EventRow): AppliedRow[] {
  const detail = event.detail ? (JSON.parse(event.detail) as { rows?: Entry[] }) : {};
  return (detail.rows ?? []).map((entry) => ({
    rowNumber: Number(entry[0]),
    targetKey: entry[1],
    undoPath: entry[2],
    ...(entry[3] === undefined ? {} : { problem: entry[3] }),
  }));
}
