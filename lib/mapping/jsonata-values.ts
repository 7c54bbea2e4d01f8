// The few rules of JSONata's evaluator (jsonata.js: lookup, createSequence, evaluateStep, boolize,
// isDeepEqual) that compiled expressions follow, written for single context values: a case they do not
// cover gives FALLBACK rather than a guess.
import { FALLBACK } from './fallback';

/** A list JSONata made of several results (createSequence): an array with an enumerable `sequence: true`. */
export type Sequence = unknown[] & { sequence: true };

export function isSequence(value: unknown): boolean {
  return Array.isArray(value) && (value as { sequence?: unknown }).sequence === true;
}

export function asSequence(values: unknown[]): Sequence {
  const sequence = values as Sequence;
  sequence.sequence = true;
  return sequence;
}

/**
 * A field of one context value, as JSONata's lookup reads it: nothing from a non-object; `input[key]` from an
 * object (own or inherited, so an inherited function is possible: left to JSONata). A list maps the lookup
 * over its items and flattens them, and an object marked as a JSONata function reads as nothing: both left
 * to JSONata too.
 */
export function lookupField(input: unknown, key: string): unknown {
  if (input === null || typeof input !== 'object') return undefined;
  if (Array.isArray(input)) return FALLBACK;
  const record = input as Record<string, unknown>;
  if (record._jsonata_function === true || record._jsonata_lambda === true) return FALLBACK;
  const value = record[key];
  if (typeof value === 'function' || isSequence(value)) return FALLBACK;
  return value;
}

/** JSONata's effective boolean (boolize) of a single value; lists and objects are left to JSONata. */
export function effectiveBoolean(value: unknown): boolean | typeof FALLBACK {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      // JSONata throws on an infinite number and reads NaN as false: its own error, from JSONata.
      return Number.isFinite(value) ? value !== 0 : FALLBACK;
    default:
      return FALLBACK;
  }
}

/**
 * `=` between two values (evaluateEqualityExpression): false when either is missing; equal when identical;
 * two objects or lists are compared deeply by JSONata, left to it; otherwise not equal.
 */
export function jsonataEquals(lhs: unknown, rhs: unknown): boolean | typeof FALLBACK {
  if (lhs === undefined || rhs === undefined) return false;
  if (lhs === rhs) return true;
  if (lhs !== null && rhs !== null && typeof lhs === 'object' && typeof rhs === 'object') return FALLBACK;
  return false;
}
