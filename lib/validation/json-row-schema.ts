import Ajv from 'ajv';
import { describeAjvError } from './describe-ajv-error';
import type { RowValidator } from './row-schema';
import { SchemaError } from './schema-error';

const MAX_CACHED_SCHEMAS = 100;
const cache = new Map<string, RowValidator>();

/**
 * Compiles a JSON Schema (object, or its JSON text) for JSON Lines rows. Unlike compileRowSchema (CSV rows
 * are all text), a JSON Lines row already has its types: "42" stays text and fails `type: integer`, null
 * stays null. Defaults are filled in and every broken rule is reported, in plain words.
 * Throws SchemaError when the schema is not JSON or not a valid JSON Schema.
 */
export function compileJsonRowSchema(schema: object | string): RowValidator {
  const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
  const cached = cache.get(key);
  if (cached) return cached;
  const validator = buildValidator(typeof schema === 'string' ? parseSchemaText(schema) : schema);
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

function buildValidator(schema: object): RowValidator {
  const warnings: string[] = [];
  const ajv = new Ajv({
    coerceTypes: false,
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
      const copy = structuredClone(record);
      if (check(copy)) return { ok: true, value: copy };
      const detail = check.errors ?? [];
      return { ok: false, errors: [...new Set(detail.map((error) => describeAjvError(error, record, copy)))], detail };
    },
  };
}
