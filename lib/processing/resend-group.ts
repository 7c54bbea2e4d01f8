import { describeError } from '../errors';
import { readGroupOriginal, readItemResults } from '../grouping';
import { settleErrorPayload, type ErrorPayloadRow } from '../store';
import { fillPathTemplate } from './path-template';
import { prepareRow } from './prepare-row';
import type { ProcessorSettings } from './processor-settings';
import { sendResendRequest } from './resend-request';
import type { ResendContext } from './resend-error-payload';

type Settle = Parameters<typeof settleErrorPayload>[3];

/**
 * Sends a READY error payload of a group again, with its key (the group's first row's). A group that was sent
 * (its payload is the list it sent, or the list as corrected) goes as it is stored, as one call; a failed item
 * (its element of the list) goes as a list of one. A group or row that was never sent (validation, mapping) is
 * prepared now as a group: each row validated, the mapping over the list, the path from the first row.
 * With item results, an answer naming failed items leaves the payload NEW with them said: a resend is one
 * error payload and settles as one.
 */
export async function resendGroupErrorPayload(
  context: ResendContext,
  errorPayload: ErrorPayloadRow,
  settings: ProcessorSettings,
  rowSettings: ProcessorSettings,
): Promise<ErrorPayloadRow> {
  const settle = (outcome: Settle) => settleErrorPayload(context.store, errorPayload.id, context.owner, outcome);
  const members = readGroupOriginal(errorPayload.original_payload);
  const originals = members ? members.map((member) => parseJson(member.original)) : [parseJson(errorPayload.original_payload)];
  const stored = errorPayload.payload === null ? undefined : parseJson(errorPayload.payload);
  const unsent = errorPayload.error_kind === 'validation' || errorPayload.error_kind === 'mapping' || errorPayload.error_kind === 'read' || stored === undefined;
  let body: string;
  let requestPath: string;
  let itemCount: number;
  try {
    if (!unsent) {
      const items = Array.isArray(stored) ? stored : [stored];
      body = Array.isArray(stored) ? errorPayload.payload! : JSON.stringify(items);
      itemCount = items.length;
      requestPath = fillPathTemplate(settings.request.pathTemplate, { ...asObject(items[0]), ...asObject(originals[0]) });
    } else {
      // A correction of rows never sent is the rows (a list, or one row); else the rows as read.
      const rows = Array.isArray(stored) ? stored : stored !== undefined && asObject(stored) === stored ? [stored] : originals;
      const values: unknown[] = [];
      let firstPath = '';
      for (const [index, row] of rows.entries()) {
        const prepared = await prepareRow(asObject(row), { ...rowSettings, map: undefined });
        if (!prepared.ok) {
          const which = rows.length === 1 ? '' : `row ${index + 1} of the group: `;
          return settle({ delivered: false, errorKind: prepared.errorKind, error: `${which}${prepared.error}`, errorDetail: prepared.errorDetail });
        }
        if (index === 0) firstPath = prepared.path;
        values.push(prepared.value);
      }
      let mapped: unknown = values;
      if (settings.map) {
        try {
          mapped = await settings.map(values as unknown as Record<string, unknown>);
        } catch (error) {
          return settle({ delivered: false, errorKind: 'mapping', error: `mapping failed for the group of ${values.length} rows: ${describeError(error)}` });
        }
        if (mapped === undefined) return settle({ delivered: false, errorKind: 'mapping', error: 'mapping gave no result for this group' });
      }
      body = typeof mapped === 'string' ? mapped : JSON.stringify(mapped);
      requestPath = firstPath;
      itemCount = values.length;
    }
  } catch (error) {
    return settle({ delivered: false, errorKind: 'mapping', error: describeError(error) });
  }
  const outcome = await sendResendRequest(context, errorPayload, settings, { path: requestPath, body });
  if (outcome.kind !== 'success') {
    return settle({
      delivered: false,
      errorKind: outcome.kind === 'transient' ? 'transient' : outcome.status !== undefined && outcome.status < 300 ? 'rejected' : 'permanent',
      httpStatus: outcome.status ?? null,
      error: outcome.error,
      errorDetail: outcome.detail ?? null,
    });
  }
  const itemResults = settings.group?.itemResults;
  if (itemResults) {
    let failed: string | undefined;
    try {
      const items = readItemResults(await itemResults(parseJson(outcome.body) ?? outcome.body), itemCount);
      if (!items.ok) failed = items.error;
      else if (items.failed.length > 0) failed = items.failed.map((item) => `item ${item.index}: ${item.error}`).join('; ');
    } catch (error) {
      failed = `the item-results expression failed on the answer: ${describeError(error)}`;
    }
    if (failed !== undefined) return settle({ delivered: false, errorKind: 'rejected', httpStatus: outcome.status, error: failed });
  }
  return settle({ delivered: true, httpStatus: outcome.status });
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
