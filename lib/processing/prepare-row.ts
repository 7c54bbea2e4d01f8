import { raggedOriginalReason } from '../csv/row-original';
import { describeError } from '../errors';
import type { ErrorKind } from '../store';
import { fillPathTemplate, fillPathTemplateOver } from './path-template';
import type { ProcessorSettings } from './processor-settings';

export type PreparedRow =
  | { ok: true; path: string; body: string; value: unknown }
  | { ok: false; errorKind: ErrorKind; error: string; errorDetail: string | null; body: string | null };

/** JSONata throws plain objects ({ code, message, position, token }), not Errors: its message is the reason. */
function mappingError(error: unknown): string {
  const message = error && typeof error === 'object' && !(error instanceof Error) ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : describeError(error);
}

/** How a row is prepared beyond the processor's settings. */
export interface RowPreparation {
  /**
   * False for a row sent as an item of its group: the group's list is written as a whole, so the row's own body
   * text would never be used, and `body` of a prepared row is '' (a row that fails still keeps its text).
   */
  ownBodySent?: false;
}

/**
 * Validates a row against the schema, maps it to a request body and fills the path: everything before sending.
 * The prepared row as it is when nothing had to wait (no mapping, or one that answered at once), a promise of it
 * when the mapping's result is one: a row read ahead costs no promise of its own.
 */
export function prepareRow(record: Record<string, unknown>, settings: ProcessorSettings & RowPreparation): PreparedRow | Promise<PreparedRow> {
  // A ragged row's stored original (resent as it is, not corrected) has no column-keyed form to send.
  const ragged = raggedOriginalReason(record);
  if (ragged) return { ok: false, errorKind: 'validation', error: ragged, errorDetail: null, body: null };
  let value: Record<string, unknown> = record;
  if (settings.validator) {
    const validation = settings.validator.validate(record);
    if (!validation.ok) {
      return { ok: false, errorKind: 'validation', error: validation.errors.join('; '), errorDetail: JSON.stringify(validation.detail), body: null };
    }
    value = validation.value;
  }
  if (!settings.map) return withPath(record, value, settings);
  let mapped: unknown;
  try {
    mapped = settings.map(value);
  } catch (error) {
    return mappingFailed(error);
  }
  if (mapped instanceof Promise) return mapped.then((body: unknown) => mappedRow(record, body, settings), mappingFailed);
  return mappedRow(record, mapped, settings);
}

function mappingFailed(error: unknown): PreparedRow {
  return { ok: false, errorKind: 'mapping', error: `mapping failed: ${mappingError(error)}`, errorDetail: null, body: null };
}

function mappedRow(record: Record<string, unknown>, body: unknown, settings: ProcessorSettings & RowPreparation): PreparedRow {
  if (body === undefined) {
    return { ok: false, errorKind: 'mapping', error: 'mapping gave no result for this row', errorDetail: null, body: null };
  }
  return withPath(record, body, settings);
}

/** The body's text and the request's path. */
function withPath(record: Record<string, unknown>, body: unknown, settings: ProcessorSettings & RowPreparation): PreparedRow {
  const text = settings.ownBodySent === false ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  try {
    // The path says which record a request addresses: a column is put in as the text read from the file,
    // never as a converted value (a schema or mapping cannot turn employee 007 into 7). The mapped body's
    // fields fill in only the names the row has no column for.
    const { pathTemplate } = settings.request;
    const path = body && typeof body === 'object' && !Array.isArray(body) ? fillPathTemplateOver(pathTemplate, record, body as Record<string, unknown>) : fillPathTemplate(pathTemplate, record);
    return { ok: true, path, body: text ?? '', value: body };
  } catch (error) {
    return { ok: false, errorKind: 'mapping', error: describeError(error), errorDetail: null, body: text ?? (typeof body === 'string' ? body : JSON.stringify(body)) };
  }
}
