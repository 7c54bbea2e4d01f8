// Inputs for the differential tests: every kind of value JSON (and a validated row) can hold, in the
// fields the tested expressions name, from a seeded generator so a failure can be run again.
import { seededRandom } from '../../support/seeded-random';

/** Values a field can hold: texts (some that look like numbers), numbers at their edges, null, booleans. */
export const SCALARS: unknown[] = [
  'x', '', 'SUCCESS', 'success', '0', '007', '1e21', ' 12 ', 'true', 'null', '-0', 'ä€\u0000', 'a"b\\c',
  0, -0, 1, -1, 1.5, 0.1 + 0.2, 1e21, -1e-7, 2 ** 53 + 2, Number.MAX_VALUE, 5e-324,
  null, true, false,
];

export const FIELDS = ['a', 'b', 'c', 'x y', 'status', 'name', 'email', 'contactId', 'id', 'code'];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)];
}

/** A value up to `depth` levels deep: scalars mostly, objects, lists of 0, 1, 2 items, lists of lists. */
export function value(next: () => number, depth: number): unknown {
  const roll = next();
  if (depth <= 0 || roll < 0.55) return pick(next, SCALARS);
  if (roll < 0.75) return row(next, depth - 1);
  if (roll < 0.8) return [];
  if (roll < 0.88) return [value(next, depth - 1)];
  if (roll < 0.95) return [value(next, depth - 1), value(next, depth - 1)];
  return [[value(next, depth - 1)], [value(next, depth - 1), value(next, depth - 1)]];
}

/** An object with some of the fields (a missing field is absent, never undefined). */
export function row(next: () => number, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of FIELDS) if (next() < 0.7) result[field] = value(next, depth);
  return result;
}

/** A row whose fields all hold scalars: what a CSV or flat JSON Lines row is. */
export function flatRow(next: () => number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of FIELDS) if (next() < 0.85) result[field] = pick(next, SCALARS);
  return result;
}

/** Inputs: flat rows, nested rows, scalars, lists of rows of 0 to 3 items (a group), lists with odd items. */
export function inputs(seed: number, count: number): unknown[] {
  const next = seededRandom(seed);
  const result: unknown[] = [...SCALARS, {}, [], [{}], [[]], [null], [1, 'x']];
  for (let index = 0; index < count; index++) {
    const roll = next();
    if (roll < 0.35) result.push(flatRow(next));
    else if (roll < 0.7) result.push(row(next, 3));
    else if (roll < 0.9) result.push(Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.8 ? flatRow(next) : row(next, 2))));
    else result.push(value(next, 3));
  }
  return result;
}

/**
 * An expression of the supported shapes, nested up to `depth`: field paths (some backquoted, some through
 * `$`), literals, object and list constructors, `.{…}` steps, `=` / `!=`, `and` / `or`.
 */
export function expression(next: () => number, depth: number): string {
  const field = () => pick(next, ['a', 'b', 'c', 'status', 'name', 'id', '`x y`']);
  const path = () => {
    const steps = Array.from({ length: 1 + Math.floor(next() * 3) }, field);
    return (next() < 0.25 ? ['$', ...steps] : steps).join('.');
  };
  const literal = () => pick(next, ['"SUCCESS"', '""', '"0"', '0', '1', '-1.5', '1e21', 'null', 'true', 'false']);
  const roll = next();
  if (depth <= 0 || roll < 0.3) return next() < 0.75 ? path() : literal();
  if (roll < 0.4) return '$';
  const inner = () => expression(next, depth - 1);
  if (roll < 0.6) {
    const keys = ['k', 'id', '1', 'a', ''].filter(() => next() < 0.6);
    return `{${keys.map((key) => `"${key}": ${inner()}`).join(', ')}}`;
  }
  if (roll < 0.72) return `[${Array.from({ length: Math.floor(next() * 3) }, inner).join(', ')}]`;
  if (roll < 0.82) return `${next() < 0.5 ? '$' : path()}.{"v": ${inner()}, "w": ${inner()}}`;
  if (roll < 0.92) return `${path()} ${pick(next, ['=', '!='])} ${next() < 0.7 ? literal() : path()}`;
  return `${inner()} ${pick(next, ['and', 'or'])} ${inner()}`;
}
