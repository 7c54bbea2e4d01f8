import type { ErrorObject } from 'ajv';

const MAX_SHOWN_VALUE = 60;
const MAX_SHOWN_CHOICES = 10;

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'empty',
};

/**
 * One ajv error in words an admin correcting a row understands: which column, which value, which rule.
 * Values are shown as they were in the row (before type coercion), since that is what the admin sees and edits.
 */
export function describeAjvError(error: ErrorObject, original: unknown, validated: unknown): string {
  const segments = pathSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;

  if (error.keyword === 'required') return `column ${columnName([...segments, String(params.missingProperty)])} is required`;
  if (error.keyword === 'additionalProperties') {
    return `column ${columnName([...segments, String(params.additionalProperty)])} is not allowed by the schema`;
  }

  const value = valueAt(original, segments) ?? valueAt(validated, segments);
  const subject = segments.length === 0 ? 'the row' : `column ${columnName(segments)}`;
  const valuePart = value === undefined ? '' : `: value ${showValue(value)}`;
  return `${subject}${valuePart} ${ruleBroken(error, params)}`;
}

function ruleBroken(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return `is not ${String(params.type).split(',').map((type) => TYPE_WORDS[type] ?? type).join(' or ')}`;
    case 'pattern':
      return `does not match the pattern ${String(params.pattern)}`;
    case 'minLength':
      return `is shorter than ${characters(params.limit)}`;
    case 'maxLength':
      return `is longer than ${characters(params.limit)}`;
    case 'minimum':
      return `is less than ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `is not greater than ${String(params.limit)}`;
    case 'maximum':
      return `is greater than ${String(params.limit)}`;
    case 'exclusiveMaximum':
      return `is not less than ${String(params.limit)}`;
    case 'multipleOf':
      return `is not a multiple of ${String(params.multipleOf)}`;
    case 'enum':
      return `is not one of ${showChoices(params.allowedValues)}`;
    case 'const':
      return `is not ${showValue(params.allowedValue)}`;
    case 'format':
      return `is not a valid ${String(params.format)}`;
    default:
      return error.message ?? `breaks the rule "${error.keyword}"`;
  }
}

/** JSON Pointer ("/address/zip~1code") to its decoded segments. */
function pathSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function columnName(segments: string[]): string {
  return JSON.stringify(segments.join('.'));
}

function valueAt(data: unknown, segments: string[]): unknown {
  let current = data;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function showValue(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > MAX_SHOWN_VALUE ? `${shown.slice(0, MAX_SHOWN_VALUE - 1)}…` : shown;
}

function showChoices(choices: unknown): string {
  const list = Array.isArray(choices) ? choices : [];
  const shown = list.slice(0, MAX_SHOWN_CHOICES).map(showValue);
  if (list.length > MAX_SHOWN_CHOICES) shown.push(`… (${list.length} values)`);
  return shown.join(', ');
}

function characters(limit: unknown): string {
  return `${String(limit)} character${limit === 1 ? '' : 's'}`;
}
