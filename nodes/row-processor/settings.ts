import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { SuccessCheck } from '../../lib/delivery/classify';
import { ConfigError } from '../../lib/node-red/config-error';
import { readNumbers, resolveFolder } from '../../lib/node-red/config-values';
import { ROW_PROCESSOR_RULES } from '../../lib/node-red/field-rules';
import { DEFAULT_SETTINGS, type ProcessorSettings, type RowMapper } from '../../lib/processing';
import { compileRowSchema } from '../../lib/validation';
import { matchingSettings, type MatchingDef } from './matching-config';

export interface RowProcessorDef extends NodeDef, MatchingDef {
  store: string;
  endpoint: string;
  method: string;
  pathTemplate: string;
  headers: string;
  schema: string;
  mapping: string;
  successExpression: string;
  concurrency: string;
  maxAttempts: string;
  baseDelayMs: string;
  maxDelayMs: string;
  breakerThreshold: string;
  errorRetryDelay: string;
  leaseTime: string;
  windowRows: string;
  delimiter: string;
  quote: string;
  encoding: string;
  archiveFolder: string;
  failedFolder: string;
}

const ENCODINGS = ['utf8', 'latin1', 'utf16le'] as const;
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] as const;

function requiredColumns(schema: string | undefined): string[] | undefined {
  if (!schema) return undefined;
  const required = (JSON.parse(schema) as { required?: unknown }).required;
  return Array.isArray(required) && required.every((column) => typeof column === 'string') && required.length > 0 ? required : undefined;
}

/** A JSONata expression of the node, evaluated through Node-RED's own JSONata (its functions, its env). */
function evaluator(RED: NodeAPI, node: Node, expression: string): (input: unknown) => Promise<unknown> {
  const prepared = RED.util.prepareJSONataExpression(expression, node);
  return (input) =>
    new Promise((resolve, reject) =>
      RED.util.evaluateJSONataExpression(prepared, input as never, (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value))),
    );
}

function extraHeaders(text: string | undefined): Record<string, string> | undefined {
  if (!text?.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('row-processor.errors.json', { error: (error as Error).message });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((value) => typeof value !== 'string')) {
    throw new ConfigError('row-processor.errors.headers');
  }
  return parsed as Record<string, string>;
}

/** The node's settings as processing settings; every value that cannot work is refused, none clamped. */
export function processorSettings(RED: NodeAPI, node: Node, def: RowProcessorDef): ProcessorSettings {
  const numbers = readNumbers(def as unknown as Record<string, unknown>, ROW_PROCESSOR_RULES);
  if (numbers.maxDelayMs < numbers.baseDelayMs) {
    throw new ConfigError('row-processor.errors.backoff', { base: numbers.baseDelayMs, max: numbers.maxDelayMs });
  }
  // The lease is renewed by the checkpoint writes: one shorter than their interval would run out between them.
  if (numbers.leaseTime * 1000 <= DEFAULT_SETTINGS.windowMs * 2) {
    throw new ConfigError('row-processor.errors.lease', { lease: numbers.leaseTime, window: (DEFAULT_SETTINGS.windowMs * 2) / 1000 });
  }
  const method = (def.method || 'POST').toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) throw new ConfigError('row-processor.errors.method', { method });
  const encoding = def.encoding || 'utf8';
  if (!(ENCODINGS as readonly string[]).includes(encoding)) throw new ConfigError('row-processor.errors.encoding', { encoding });
  const pathTemplate = def.pathTemplate?.trim() || '/';
  if (!pathTemplate.startsWith('/')) throw new ConfigError('row-processor.errors.path');

  const schema = def.schema?.trim() ? def.schema.trim() : undefined;
  const map: RowMapper | undefined = def.mapping?.trim() ? evaluator(RED, node, def.mapping) : undefined;
  let successCheck: SuccessCheck | undefined;
  if (def.successExpression?.trim()) {
    const check = evaluator(RED, node, def.successExpression);
    successCheck = async (body) => ({ ok: Boolean(await check(body)) });
  }
  return {
    ...DEFAULT_SETTINGS,
    csv: {
      delimiter: def.delimiter || ',',
      quote: def.quote || '"',
      encoding: encoding as (typeof ENCODINGS)[number],
      // The schema's required columns must be in the header: a wrong header fails the file before any row is sent.
      columns: requiredColumns(schema),
    },
    validator: schema ? compileRowSchema(schema) : undefined,
    rowSchema: schema,
    map,
    request: { method, pathTemplate, headers: extraHeaders(def.headers) },
    successCheck,
    concurrency: numbers.concurrency,
    retry: { maxAttempts: numbers.maxAttempts, baseDelayMs: numbers.baseDelayMs, maxDelayMs: numbers.maxDelayMs },
    breakerThreshold: numbers.breakerThreshold,
    errorRetryDelayMs: numbers.errorRetryDelay * 1000,
    leaseMs: numbers.leaseTime * 1000,
    windowRows: numbers.windowRows,
    folders: { archive: resolveFolder(RED, def.archiveFolder, 'archive'), failed: resolveFolder(RED, def.failedFolder, 'failed') },
    matching: matchingSettings(def, { method, pathTemplate }, (expression) => evaluator(RED, node, expression)),
  };
}
