import type { ErrorObject } from 'ajv';

/** A number as a person writes it: optional minus, no leading zeros, optional decimals; no exponent, hex, plus or spaces. */
const PLAIN_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/**
 * ajv's type coercion turns any text JavaScript reads as a number into one: "1e3" into 1000, "0x10" into 16,
 * " 42" into 42, "9007199254740993" into 9007199254740992 — another employee, silently. This finds each text
 * of the row that became a number, and refuses those not written exactly as that number: a cell becomes a
 * number only when the number sent is the number written.
 */
export function inexactNumbers(original: unknown, coerced: unknown, path = ''): ErrorObject[] {
  const errors: ErrorObject[] = [];
  collectInexact(original, coerced, path, errors);
  return errors;
}

/** One list for the whole row: a row of text cells (most of them) makes no list per cell. */
function collectInexact(original: unknown, coerced: unknown, path: string, errors: ErrorObject[]): void {
  if (typeof original === 'string' && typeof coerced === 'number') {
    const problem = numberProblem(original, coerced);
    if (problem) errors.push(exactNumberError(path, original, problem));
    return;
  }
  if (!original || !coerced || typeof original !== 'object' || typeof coerced !== 'object') return;
  for (const key of Object.keys(original)) {
    const before = (original as Record<string, unknown>)[key];
    const after = (coerced as Record<string, unknown>)[key];
    // Most cells stay text: their pointer is written only for a cell that became a number or holds more cells.
    if (typeof before === 'string' ? typeof after !== 'number' : !before || typeof before !== 'object') continue;
    collectInexact(before, after, `${path}/${escapePointer(key)}`, errors);
  }
}

/** Why `text` must not be sent as `value`, or undefined when `value` is exactly what `text` says. */
export function numberProblem(text: string, value: number): string | undefined {
  if (!PLAIN_NUMBER.test(text)) {
    return 'is not written as a plain number (digits, an optional minus sign and decimal point; no exponent, hex, plus sign, spaces or leading zeros)';
  }
  if (Object.is(value, -0)) return 'is minus zero: it would be sent as 0';
  // A whole number within the exact range is written back as the same digits: no text need be made of it (V8
  // keeps the texts of numbers in a cache in the old generation, so each one made per cell was promoted garbage).
  if (Number.isSafeInteger(value) && +text === value && !text.includes('.')) return undefined;
  const sent = String(value);
  if (sent !== withoutTrailingZeros(text)) return `has more digits than a number holds exactly: it would be sent as ${sent} (make the column text in the schema)`;
  return undefined;
}

/** "1.50" and "1.5" are the same number, and "2.0" is 2: trailing decimal zeros are not a different value. */
function withoutTrailingZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

function exactNumberError(instancePath: string, text: string, problem: string): ErrorObject {
  return { instancePath, schemaPath: '#/exactNumber', keyword: 'exactNumber', params: { value: text }, message: problem };
}

function escapePointer(key: string): string {
  // A column name seldom holds either character: no two regular expressions run over it then.
  if (!key.includes('~') && !key.includes('/')) return key;
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
