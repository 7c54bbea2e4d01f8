import { describeError } from '../errors';
import { sourceKeyOf, splitUpdateTemplate, type MatchingSettings } from '../matching';
import { fillPathTemplate } from './path-template';
import type { ProcessorSettings } from './processor-settings';
import { failedRow, unsendable, type RowWork } from './row-work';

export type RowMatchResult = { ok: true; match: NonNullable<RowWork['match']> } | { ok: false; errorKind: 'validation' | 'mapping'; error: string };

/**
 * What key matching needs of a prepared row: its source key (from the row's columns as read) and its update
 * path filled from the row around `{targetKey}`, as the create path is filled (the mapped body's fields fill
 * only the names the row has no column for). A row without a key value fails validation; a path that
 * cannot be filled fails mapping, as the create path would.
 */
export function matchRow(record: Record<string, unknown>, body: string, matching: MatchingSettings): RowMatchResult {
  const key = sourceKeyOf(record, matching.keyColumns);
  if (!key.ok) return { ok: false, errorKind: 'validation', error: key.error };
  const parts = splitUpdateTemplate(matching.update.pathTemplate);
  let fields: Record<string, unknown> = record;
  if (parts.some((part) => part.includes('{'))) {
    const parsed = parseObject(body);
    if (parsed) fields = { ...parsed, ...record };
  }
  try {
    return { ok: true, match: { sourceKey: key.sourceKey, updatePathParts: parts.map((part) => fillPathTemplate(part, fields)) } };
  } catch (error) {
    return { ok: false, errorKind: 'mapping', error: `update ${describeError(error)}` };
  }
}

/** A prepared row with its match, or failed when it has no key or its update path cannot be filled. */
export function withMatch(work: RowWork, record: Record<string, unknown>, settings: ProcessorSettings): RowWork {
  if (!settings.matching || !work.request) return work;
  const matched = matchRow(record, work.request.body, settings.matching);
  if (!matched.ok) {
    const { rowNumber, key, original } = work;
    return { rowNumber, key, original, result: unsendable(failedRow(rowNumber, work.request.body, original, key, matched.errorKind, matched.error)) };
  }
  return { ...work, match: matched.match };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
