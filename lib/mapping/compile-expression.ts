// Compiles the common shapes of JSONata expressions (field paths, literals, object and list constructors,
// `$.{…}` over a list, `=` / `!=`, `and` / `or`) to synchronous functions that give what JSONata gives.
// JSONata evaluates every node through an async function; a mapping of five fields costs dozens of
// promises per row. Anything else is not compiled: the caller keeps JSONata for it.
import { FALLBACK, type CompiledExpression } from './fallback';
import { asSequence, effectiveBoolean, isSequence, jsonataEquals, lookupField } from './jsonata-values';

/** A node of JSONata's syntax tree (`expression.ast()`), as far as this compiler reads it. */
export interface JsonataNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: JsonataNode[];
  expressions?: JsonataNode[];
  lhs?: JsonataNode | Array<[JsonataNode, JsonataNode]>;
  rhs?: JsonataNode;
}

/**
 * The properties a node of each supported kind may have. Any other one (a predicate, a group-by, a focus or
 * index binding, `keepArray`, `consarray`, a tuple...) changes its meaning: such a node is not compiled.
 */
const ALLOWED_PROPERTIES: Record<string, ReadonlySet<string>> = {
  path: new Set(['type', 'steps']),
  name: new Set(['type', 'value', 'position']),
  variable: new Set(['type', 'value', 'position']),
  string: new Set(['type', 'value', 'position']),
  number: new Set(['type', 'value', 'position']),
  value: new Set(['type', 'value', 'position']),
  unary: new Set(['type', 'value', 'position', 'expressions', 'lhs']),
  binary: new Set(['type', 'value', 'position', 'lhs', 'rhs']),
};

/**
 * Names Node-RED's JSONata refuses to read (BLOCKED_KEYS, absent from the jsonata package): not compiled,
 * so their meaning is whichever JSONata the node runs. `__proto__` as an object key would also set the
 * prototype of an ordinary object instead of making a field.
 */
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__', 'constructor', 'prototype', '__lookupGetter__', '__lookupSetter__', '__defineGetter__', '__defineSetter__',
  '_jsonata_lambda', '_jsonata_function',
]);

/** Raised inside the compiler only: the expression has a shape it does not compile. */
class NotCompiled extends Error {}

function check(condition: boolean): asserts condition {
  if (!condition) throw new NotCompiled();
}

function shapeOf(node: unknown): JsonataNode {
  check(node !== null && typeof node === 'object' && !Array.isArray(node));
  const { type } = node as { type?: unknown };
  check(typeof type === 'string' && type in ALLOWED_PROPERTIES);
  const allowed = ALLOWED_PROPERTIES[type];
  check(Object.keys(node).every((property) => allowed.has(property)));
  return node as JsonataNode;
}

function fieldName(node: JsonataNode): string {
  check(typeof node.value === 'string' && !RESERVED_NAMES.has(node.value) && node.value !== 'msg');
  return node.value;
}

/**
 * A synchronous function giving JSONata's result for an expression's syntax tree, or undefined when a node
 * is of a shape not compiled. The function gives FALLBACK for an input whose meaning it cannot be sure of.
 */
export function compileExpression(ast: unknown): CompiledExpression | undefined {
  let root: CompiledExpression;
  try {
    root = compileNode(ast);
  } catch (error) {
    if (error instanceof NotCompiled) return undefined;
    throw error;
  }
  // A sequence as the input is not wrapped by JSONata as a list is, and is unwrapped when it has one item.
  return (input) => (isSequence(input) ? FALLBACK : root(input));
}

function compileNode(raw: unknown): CompiledExpression {
  const node = shapeOf(raw);
  switch (node.type) {
    case 'string':
      check(typeof node.value === 'string');
      return literal(node.value);
    case 'number':
      check(typeof node.value === 'number' && Number.isFinite(node.value));
      return literal(node.value);
    case 'value':
      check(node.value === null || node.value === true || node.value === false);
      return literal(node.value);
    case 'variable':
      // `$`, the context; any named variable ($env, $flowContext, bound ones, $$) is not compiled.
      check(node.value === '');
      return (context) => context;
    case 'path':
      return compilePath(node);
    case 'unary':
      if (node.value === '{') return compileObject(node);
      if (node.value === '[') return compileList(node);
      throw new NotCompiled();
    case 'binary':
      return compileBinary(node);
    default:
      throw new NotCompiled();
  }
}

/** Pushes each item (a spread would run out of stack on a long list). */
function appendItems(target: unknown[], items: unknown[]): void {
  for (const item of items) target.push(item);
}

function literal(value: unknown): CompiledExpression {
  return () => value;
}

/** One step of a path, applied to one item of the sequence before it. */
type Step = (item: unknown) => unknown;

function compileStep(raw: unknown, first: boolean): Step {
  const node = shapeOf(raw);
  if (node.type === 'variable') {
    // `$` as a first step is the context; elsewhere it would be each item, not compiled for lack of need.
    check(first && node.value === '');
    return (item) => item;
  }
  if (node.type === 'name') {
    const key = fieldName(node);
    return (item) => lookupField(item, key);
  }
  check(node.type === 'unary' && node.value === '{' && !first);
  const build = compileObject(node);
  // An object constructor over a list groups its items: not compiled.
  return (item) => (Array.isArray(item) ? FALLBACK : build(item));
}

/**
 * A path as evaluatePath and evaluateStep run it: each step over every item of the sequence before it, its
 * results flattened one level, except a single list given by the last step, which is the result as it is;
 * an empty sequence is nothing, a single item itself.
 */
function compilePath(node: JsonataNode): CompiledExpression {
  const { steps } = node;
  check(Array.isArray(steps) && steps.length > 0);
  const compiled = steps.map((step, index) => compileStep(step, index === 0));
  // One step gives one result or none: a list as it is (never a sequence, lookupField sees to that).
  if (compiled.length === 1) return compiled[0];
  const lastIndex = compiled.length - 1;
  return (context) => {
    let input: unknown[] = [context];
    let output: unknown[] = input;
    let asItIs = false;
    for (let index = 0; index <= lastIndex; index++) {
      const step = compiled[index];
      const results: unknown[] = [];
      for (const item of input) {
        const result = step(item);
        if (result === FALLBACK) return FALLBACK;
        if (result !== undefined) results.push(result);
      }
      if (index === lastIndex && results.length === 1 && Array.isArray(results[0]) && !isSequence(results[0])) {
        output = results[0];
        asItIs = true;
      } else {
        output = [];
        for (const result of results) {
          if (Array.isArray(result) && !(result as { cons?: unknown }).cons) appendItems(output, result);
          else output.push(result);
        }
      }
      if (output.length === 0) break;
      input = output;
    }
    if (asItIs) return output;
    if (output.length === 0) return undefined;
    if (output.length === 1) return output[0];
    return asSequence(output);
  };
}

/**
 * An object constructor with literal string keys over one context value (evaluateGroupExpression): each key
 * gets its value evaluated on the context, a missing value leaves the key out. A list as the context is
 * grouped by JSONata: left to it.
 */
function compileObject(node: JsonataNode): CompiledExpression {
  const pairs = node.lhs;
  check(Array.isArray(pairs) && node.expressions === undefined);
  const keys: string[] = [];
  const values: CompiledExpression[] = [];
  for (const pair of pairs) {
    check(Array.isArray(pair) && pair.length === 2);
    const key = shapeOf(pair[0]);
    check(key.type === 'string' && typeof key.value === 'string' && !RESERVED_NAMES.has(key.value));
    // The same key twice is JSONata's error D1009: left to JSONata by not compiling.
    check(!keys.includes(key.value));
    keys.push(key.value);
    values.push(compileNode(pair[1]));
  }
  return (context) => {
    if (Array.isArray(context)) return FALLBACK;
    const result: Record<string, unknown> = {};
    for (let index = 0; index < keys.length; index++) {
      const value = values[index](context);
      if (value === FALLBACK) return FALLBACK;
      if (value !== undefined) result[keys[index]] = value;
    }
    return result;
  };
}

/**
 * A list constructor (evaluateUnary '['): a missing item is left out, a nested list constructor's list is one
 * item, any other list is spliced in (JSONata's append).
 */
function compileList(node: JsonataNode): CompiledExpression {
  const items = node.expressions;
  check(Array.isArray(items) && node.lhs === undefined);
  const compiled = items.map((item) => compileNode(item));
  const nested = items.map((item) => (item as JsonataNode).value === '[');
  return (context) => {
    const result: unknown[] = [];
    for (let index = 0; index < compiled.length; index++) {
      const value = compiled[index](context);
      if (value === FALLBACK) return FALLBACK;
      if (value === undefined) continue;
      if (!nested[index] && Array.isArray(value)) appendItems(result, value);
      else result.push(value);
    }
    return result;
  };
}

function compileBinary(node: JsonataNode): CompiledExpression {
  const { value: operator } = node;
  check(operator === '=' || operator === '!=' || operator === 'and' || operator === 'or');
  check(node.lhs !== undefined && !Array.isArray(node.lhs) && node.rhs !== undefined);
  const lhs = compileNode(node.lhs);
  const rhs = compileNode(node.rhs);
  if (operator === 'and' || operator === 'or') {
    // The right side is evaluated only when it decides the result, as JSONata does.
    const decidedBy = operator === 'or';
    return (context) => {
      const left = lhs(context);
      if (left === FALLBACK) return FALLBACK;
      const leftTrue = effectiveBoolean(left);
      if (leftTrue === FALLBACK) return FALLBACK;
      if (leftTrue === decidedBy) return decidedBy;
      const right = rhs(context);
      if (right === FALLBACK) return FALLBACK;
      return effectiveBoolean(right);
    };
  }
  const negate = operator === '!=';
  return (context) => {
    const left = lhs(context);
    if (left === FALLBACK) return FALLBACK;
    const right = rhs(context);
    if (right === FALLBACK) return FALLBACK;
    // Either side missing: false for `!=` too.
    if (left === undefined || right === undefined) return false;
    const equal = jsonataEquals(left, right);
    if (equal === FALLBACK) return FALLBACK;
    return negate ? !equal : equal;
  };
}
