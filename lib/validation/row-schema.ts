import Ajv, { type ErrorObject } from 'ajv';
import { describeAjvError } from './describe-ajv-error';
import { inexactNumbers } from './exact-numbers';
import { SchemaError } from './schema-error';

export { SchemaError } from './schema-error';

export type RowValidation =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; errors: string[]; detail: ErrorObject[] };

export interface RowValidator {
  /** Validates a copy of the record: the caller's record is never changed. `value` holds coerced types and defaults. */
  validate(record: Record<string, unknown>): RowValidation;
  /** What ajv warned about while compiling, e.g. an unknown "format" it cannot check (ajv-formats is not used). */
  readonly warnings: readonly string[];
}

/** A batch validates thousands of rows with one schema, and schemas change rarely: a small cache is enough. */
const MAX_CACHED_SCHEMAS = 100;
const cache = new Map<string, RowValidator>();

/**
 * Compiles a JSON Schema (object, or its JSON text) for CSV rows. Types are coerced ("42" passes
 * `type: integer` and becomes 42), defaults are filled in, and every broken rule is reported, in plain words.
 * A text becomes a number only when written exactly as that number: "1e3", "0x10", "007", " 42" or
 * "9007199254740993" fail the row with the reason instead of becoming 1000, 16, 7, 42 or 9007199254740992.
 * Throws SchemaError when the schema is not JSON or not a valid JSON Schema.
 */
export function compileRowSchema(schema: object | string): RowValidator {
  return compile(schema, true);
}

/**
 * The same for JSON Lines rows, which already have their types: nothing is coerced ("42" stays text and
 * fails `type: integer`, null stays null); defaults are filled in and every broken rule reported alike.
 */
export function compileJsonRowSchema(schema: object | string): RowValidator {
  return compile(schema, false);
}

function compile(schema: object | string, coerceTypes: boolean): RowValidator {
  const key = `${coerceTypes ? 'text' : 'json'}:${typeof schema === 'string' ? schema : JSON.stringify(schema)}`;
  const cached = cache.get(key);
  if (cached) return cached;

  const validator = buildValidator(typeof schema === 'string' ? parseSchemaText(schema) : schema, coerceTypes);
  if (cache.size >= MAX_CACHED_SCHEMAS) cache.delete(cache.keys().next().value as string);
  cache.set(key, validator);
  return validator;
}

function parseSchemaText(text: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new SchemaError(`the row schema is not valid JSON: ${(cause as Error).message}`, cause);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SchemaError(`the row schema must be a JSON object, not ${Array.isArray(parsed) ? 'a list' : JSON.stringify(parsed)}`);
  }
  return parsed;
}

function buildValidator(schema: object, coerceTypes: boolean): RowValidator {
  const warnings: string[] = [];
  const ajv = new Ajv({
    coerceTypes,
    allErrors: true,
    useDefaults: true,
    strict: false,
    logger: { log: () => undefined, warn: (...args: unknown[]) => warnings.push(args.join(' ')), error: (...args: unknown[]) => warnings.push(args.join(' ')) },
  });
  let check: ReturnType<Ajv['compile']>;
  try {
    check = ajv.compile(schema);
  } catch (cause) {
    const reason = (cause as Error).message.replace(/^schema is invalid: /, '').replace(/\bdata(?=[/.\s])/g, 'schema');
    throw new SchemaError(`the row schema is not a valid JSON Schema: ${reason}`, cause);
  }

  return {
    warnings,
    validate(record) {
      const copy = copyOf(record);
      const valid = check(copy);
      const inexact = inexactNumbers(record, copy);
      if (valid && inexact.length === 0) return { ok: true, value: copy };
      const detail = [...(valid ? [] : (check.errors ?? [])), ...inexact];
      const errors = [
        ...new Set([...(valid ? [] : (check.errors ?? [])).map((error) => describeAjvError(error, record, copy)), ...inexact.map((error) => describeExactNumberError(error))]),
      ];
      return { ok: false, errors, detail };
    },
  };
}

/**
 * A copy ajv may change (coercion, defaults). A row of plain values (every CSV row) is copied flat, the same
 * own keys in the same order with the same values as structuredClone gives, at a fraction of its cost; a row
 * holding lists or objects (JSON Lines) is cloned deep.
 */
function copyOf(record: Record<string, unknown>): Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(record);
  if ((prototype !== Object.prototype && prototype !== null) || Object.getOwnPropertySymbols(record).length > 0) return structuredClone(record);
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) return structuredClone(record);
    const value = record[key];
    // Lists and objects are cloned deep; a function or symbol makes structuredClone throw, as it always did.
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) return structuredClone(record);
  }
  return { ...record };
}

function describeExactNumberError(error: ErrorObject): string {
  const column = error.instancePath.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
  return `column ${JSON.stringify(column)}: value ${JSON.stringify((error.params as { value: string }).value)} ${error.message}`;
}
