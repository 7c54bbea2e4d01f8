import { describeError } from '../errors';
import { groupOriginal, readItemResults, type Group, type GroupSettings } from '../grouping';
import type { FailedRow } from '../store';
import type { RowResult } from './checkpoint-tracker';
import type { RowPreparation } from './prepare-row';
import type { ProcessorSettings } from './processor-settings';
import { resultOf, type RowSender } from './row-sender';
import { failedRow, type RowWork } from './row-work';

/** Each row of a group with how it settles; settled together, so the checkpoint moves at group boundaries. */
export type GroupResults = Array<[rowNumber: number, result: RowResult]>;

/**
 * Rows are prepared for a group without the mapping (it runs over the group's list): each row is validated
 * on its own, and its path is filled from it, so the group's path is that of its first row. They are read
 * ahead by the group, not by the row: a group waits for all its rows, and a read-ahead of a few rows would
 * assemble it in many small steps of the event loop.
 */
export function groupRowSettings(settings: ProcessorSettings): ProcessorSettings & RowPreparation {
  if (!settings.group) return settings;
  // Two groups' rows ready are enough to assemble the next call at once; more only live longer (memory, and
  // the garbage collector copying them between generations) without making any call go out sooner.
  const rows = { ...settings, map: undefined, concurrency: Math.min(Math.min(settings.concurrency, GROUPS_READ_AHEAD) * settings.group.maxRows, MAX_ROWS_READ_AHEAD) };
  // A grouped row's own body text is never sent (the group's list is written whole): not written per row. Key
  // matching and all or nothing send rows one by one; they are refused with groups, and keep the text if set.
  return settings.matching || settings.allOrNothing ? rows : { ...rows, ownBodySent: false };
}

/** Groups whose rows are prepared ahead. */
const GROUPS_READ_AHEAD = 2;

/** Rows prepared ahead at most, whatever the group size: bounds the memory a run holds. */
const MAX_ROWS_READ_AHEAD = 4096;

/**
 * Sends one group in one call: the mapping gets the list of its validated rows, the path is its first row's,
 * the Idempotency-Key its first row's (`bsync-<origin batch>-<first row>`), the same through retries, resumes
 * and replays. A failed call is one failed group (the first row's error payload holds every row,
 * `row_count`); with item results, the items the answer names fail on their own and the others succeed.
 * Undefined when the call was cut off: nothing of the group is settled, it is sent again on resume.
 */
export async function sendGroup(sender: RowSender, group: Group<RowWork>, settings: ProcessorSettings & { group: GroupSettings }): Promise<GroupResults | undefined> {
  const results: GroupResults = group.unsendable.map((row) => [row.rowNumber, row.result!]);
  const { members } = group;
  if (members.length === 0) return results;
  const first = members[0];
  // Kept only by a group that fails: written then, not for every group sent.
  const original = (): string => groupOriginal(members.map((row) => ({ rowNumber: row.rowNumber, idempotencyKey: row.key, original: row.original })));
  const failGroup = (failure: FailedRow, transient: boolean): GroupResults => [
    ...results,
    [first.rowNumber, { ok: false, transient, failure: { ...failure, rowCount: members.length } }],
    ...members.slice(1).map((row): [number, RowResult] => [row.rowNumber, { ok: false, transient, failedWithRow: first.rowNumber }]),
  ];

  let body: unknown = members.map((row) => row.value);
  if (settings.map) {
    try {
      const mapped = settings.map(body as Record<string, unknown>);
      body = mapped instanceof Promise ? await mapped : mapped;
    } catch (error) {
      return failGroup(failedRow(first.rowNumber, null, original(), first.key, 'mapping', `mapping failed for the group of ${members.length} rows: ${describeError(error)}`), false);
    }
    if (body === undefined) return failGroup(failedRow(first.rowNumber, null, original(), first.key, 'mapping', 'mapping gave no result for this group'), false);
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const outcome = await sender.send(first.request!.path, text, first.key, 'application/json');
  if (!outcome) return undefined;
  if (outcome.kind !== 'success') {
    const result = resultOf(first.rowNumber, outcome, text, original(), first.key);
    return failGroup((result as { failure: FailedRow }).failure, outcome.kind === 'transient');
  }
  const succeeded = (row: RowWork): [number, RowResult] => [row.rowNumber, { ok: true, key: row.key }];
  if (!settings.group.itemResults) return [...results, ...members.map(succeeded)];

  let named: unknown;
  try {
    named = await settings.group.itemResults(parseAnswer(outcome.body));
  } catch (error) {
    return failGroup(answered(first, text, original(), outcome.status, `the item-results expression failed on the answer: ${describeError(error)}`), false);
  }
  const items = readItemResults(named, members.length);
  if (!items.ok) return failGroup(answered(first, text, original(), outcome.status, items.error), false);
  if (items.failed.length === 0) return [...results, ...members.map(succeeded)];
  if (!Array.isArray(body) || body.length !== members.length) {
    const shape = Array.isArray(body) ? `a list of ${body.length}` : 'not a list';
    return failGroup(answered(first, text, original(), outcome.status, `the answer names failed items, but the body sent was ${shape} for ${members.length} rows: positions cannot name rows`), false);
  }
  const failedAt = new Map(items.failed.map((item) => [item.index, item.error]));
  return [
    ...results,
    ...members.map((row, index): [number, RowResult] => {
      const error = failedAt.get(index);
      if (error === undefined) return succeeded(row);
      const failure = { ...failedRow(row.rowNumber, JSON.stringify(body[index]), row.original, row.key, 'rejected', error), httpStatus: outcome.status };
      return [row.rowNumber, { ok: false, transient: false, failure }];
    }),
  ];
}

/** A group the downstream answered 2xx for, whose item results cannot be read: kept whole for an admin. */
function answered(first: RowWork, body: string, original: string, status: number, error: string): FailedRow {
  return { ...failedRow(first.rowNumber, body, original, first.key, 'rejected', error), httpStatus: status };
}

function parseAnswer(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
