import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { SuccessCheck } from '../../lib/delivery/classify';
import { ConfigError } from '../../lib/node-red/config-error';
import { readNumbers, resolveFolder } from '../../lib/node-red/config-values';
import { ROW_PROCESSOR_RULES } from '../../lib/node-red/field-rules';
import { evaluateCompiledFirst } from '../../lib/mapping';
import type { TargetKeySource } from '../../lib/matching/target-key';
import { DEFAULT_SETTINGS, type ProcessorSettings, type RowMapper } from '../../lib/processing';
import { compileRowSchema } from '../../lib/validation';
import type { GroupSettings } from '../../lib/grouping';
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
  partitionRows?: string;
  delimiter: string;
  quote: string;
  encoding: string;
  archiveFolder: string;
  failedFolder: string;
  /** All or nothing (all unset: off, every row is sent as it comes). */
  allOrNothing?: boolean;
  compensationMethod?: string;
  compensationPath?: string;
  /** Where a row's answer names the created record's id: `location` (header) or `body` (targetKeyExpression). */
  targetKeyFrom?: string;
  targetKeyExpression?: string;
  /** Group rows: the parent key columns (comma-separated), the rows per call, the item-results expression. */
  groupColumns?: string;
  groupMaxRows?: string;
  itemResults?: string;
}

const ENCODINGS = ['utf8', 'latin1', 'utf16le'] as const;
const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'] as const;

function requiredColumns(schema: string | undefined): string[] | undefined {
  if (!schema) return undefined;
  const required = (JSON.parse(schema) as { required?: unknown }).required;
  return Array.isArray(required) && required.every((column) => typeof column === 'string') && required.length > 0 ? required : undefined;
}

/** What RED.util.prepareJSONataExpression returns: a jsonata expression with Node-RED's functions assigned. */
interface PreparedJsonata {
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
  ast(): unknown;
  /** The expression names `msg`: Node-RED evaluates it against { msg: input }. */
  _legacyMode?: boolean;
}

type ContextGet = (key: string, store: string | undefined, callback: (error: Error | null, value: unknown) => void) => void;

/**
 * A JSONata expression of the node, prepared once through Node-RED's own JSONata (so $env, $moment,
 * $clone, $flowContext and $globalContext work as in any Node-RED node) and evaluated directly, once per
 * row or answer. RED.util.evaluateJSONataExpression does the same evaluation but wraps each one in a
 * callback, builds new context bindings and walks the result to give JSONata's null-prototype objects
 * Object.prototype back; here the bindings are built once, the same ones it builds (context reads through
 * the asynchronous getters, as it does), and the result is handed on as JSONata made it: the row-processor
 * only serialises a mapping's result (JSON.stringify, and its fields for the path) and takes a success
 * check's truth, which a null prototype does not change. A use that calls methods on the result's
 * objects must restore their prototype first.
 *
 * An expression of the common shapes (field paths, literals, object and list constructors, `=`...; see
 * lib/mapping) is compiled to a synchronous function with JSONata's results (its objects are ordinary
 * ones), which gives the result itself, not a promise; an input it cannot be sure of is evaluated by
 * JSONata. A legacy expression (naming `msg`) and every other shape are evaluated by JSONata.
 */
function expressionEvaluator(RED: NodeAPI, node: Node, expression: string): (input: unknown) => unknown {
  const prepared = RED.util.prepareJSONataExpression(expression, node) as unknown as PreparedJsonata;
  const context = node.context() as unknown as { flow: { get: ContextGet }; global: { get: ContextGet } };
  const read = (scope: { get: ContextGet }) => (key: string, store?: string) =>
    new Promise((resolve, reject) => scope.get(key, store, (error, value) => (error ? reject(error) : resolve(value))));
  const bindings = { flowContext: read(context.flow), globalContext: read(context.global) };
  if (prepared._legacyMode === true) return (input) => prepared.evaluate({ msg: input }, bindings);
  return evaluateCompiledFirst(prepared.ast(), (input) => prepared.evaluate(input, bindings));
}

/** The same, always as a promise: for the uses that take one (target key, key matching, item results). */
function evaluator(RED: NodeAPI, node: Node, expression: string): (input: unknown) => Promise<unknown> {
  const evaluate = expressionEvaluator(RED, node, expression);
  return (input) => {
    const result = evaluate(input);
    return result instanceof Promise ? result : Promise.resolve(result);
  };
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

/** Where the answer to a row's request names the created record's id; undefined when not asked. */
function targetKeySource(RED: NodeAPI, node: Node, def: RowProcessorDef): TargetKeySource | undefined {
  const from = def.targetKeyFrom || '';
  if (from === '') return undefined;
  if (from === 'location') return { from: 'location' };
  if (from !== 'body') throw new ConfigError('row-processor.errors.targetKeyFrom', { from });
  if (!def.targetKeyExpression?.trim()) throw new ConfigError('row-processor.errors.targetKeyExpression');
  return { from: 'body', evaluate: evaluator(RED, node, def.targetKeyExpression) };
}

/** All or nothing, and its undo request: `{targetKey}` in the undo path needs to know where the id is read. */
function allOrNothingSettings(RED: NodeAPI, node: Node, def: RowProcessorDef): Pick<ProcessorSettings, 'allOrNothing' | 'targetKey'> {
  if (def.allOrNothing !== true) return {};
  const pathTemplate = def.compensationPath?.trim() ?? '';
  if (pathTemplate === '') return { allOrNothing: {} };
  if (!pathTemplate.startsWith('/')) throw new ConfigError('row-processor.errors.undoPath');
  const method = (def.compensationMethod || 'DELETE').toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) throw new ConfigError('row-processor.errors.method', { method });
  // The target key (shared with key matching) is read from each answer only when the undo path needs it.
  if (!/\{\s*targetKey\s*\}/.test(pathTemplate)) return { allOrNothing: { compensation: { method, pathTemplate } } };
  const targetKey = targetKeySource(RED, node, def);
  if (!targetKey) throw new ConfigError('row-processor.errors.undoTargetKey');
  return { allOrNothing: { compensation: { method, pathTemplate } }, targetKey };
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
  const map: RowMapper | undefined = def.mapping?.trim() ? expressionEvaluator(RED, node, def.mapping) : undefined;
  let successCheck: SuccessCheck | undefined;
  if (def.successExpression?.trim()) {
    const check = expressionEvaluator(RED, node, def.successExpression);
    successCheck = (body) => {
      const verdict = check(body);
      return verdict instanceof Promise ? verdict.then((value) => ({ ok: Boolean(value) })) : { ok: Boolean(verdict) };
    };
  }
  const settings: ProcessorSettings = {
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
    group: groupSettings(RED, node, def, numbers.groupMaxRows),
    concurrency: numbers.concurrency,
    retry: { maxAttempts: numbers.maxAttempts, baseDelayMs: numbers.baseDelayMs, maxDelayMs: numbers.maxDelayMs },
    breakerThreshold: numbers.breakerThreshold,
    errorRetryDelayMs: numbers.errorRetryDelay * 1000,
    leaseMs: numbers.leaseTime * 1000,
    windowRows: numbers.windowRows,
    partitionRows: numbers.partitionRows || undefined,
    folders: { archive: resolveFolder(RED, def.archiveFolder, 'archive'), failed: resolveFolder(RED, def.failedFolder, 'failed') },
    ...allOrNothingSettings(RED, node, def),
    matching: matchingSettings(def, { method, pathTemplate }, (expression) => evaluator(RED, node, expression)),
  };
  // Groups settle a call as a whole; all or nothing checks and undoes rows one by one. Together they are
  // not built yet: refused, rather than one of them silently not applying.
  if (settings.group && settings.allOrNothing) throw new ConfigError('row-processor.errors.groupsAllOrNothing');
  // Key matching decides create / update / skip row by row, its own way; with groups or all or nothing it is
  // not built yet.
  if (settings.matching && settings.group) throw new ConfigError('row-processor.errors.matchingGroups');
  if (settings.matching && settings.allOrNothing) throw new ConfigError('row-processor.errors.matchingAllOrNothing');
  // Partitions run side by side, on several runtimes: a group could straddle two of them, all or nothing needs
  // the whole batch in one run, and two runtimes could both create a record whose key is in two partitions.
  if (settings.partitionRows && settings.group) throw new ConfigError('row-processor.errors.partitionsGroups');
  if (settings.partitionRows && settings.allOrNothing) throw new ConfigError('row-processor.errors.partitionsAllOrNothing');
  if (settings.partitionRows && settings.matching) throw new ConfigError('row-processor.errors.partitionsMatching');
  return settings;
}

/** Grouping is off without group columns; an item-results expression needs them (it names items of a group's list). */
function groupSettings(RED: NodeAPI, node: Node, def: RowProcessorDef, maxRows: number): GroupSettings | undefined {
  const text = def.groupColumns?.trim() ?? '';
  const itemResults = def.itemResults?.trim() ? evaluator(RED, node, def.itemResults) : undefined;
  if (text === '') {
    if (itemResults) throw new ConfigError('row-processor.errors.itemResults');
    return undefined;
  }
  const columns = text.split(',').map((column) => column.trim());
  if (columns.some((column) => column === '')) throw new ConfigError('row-processor.errors.groupColumns', { columns: text });
  return { columns, maxRows, itemResults };
}
