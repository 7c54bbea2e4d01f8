import { compileExpression } from './compile-expression';
import { FALLBACK } from './fallback';

/** Evaluates an expression with JSONata itself (a prepared expression's evaluate, with its bindings). */
export type JsonataEvaluation = (input: unknown) => Promise<unknown>;

/**
 * The expression's compiled function when its syntax tree compiles, each FALLBACK evaluated by JSONata after
 * all; otherwise JSONata itself. A compiled result is given as it is, not in a promise.
 */
export function evaluateCompiledFirst(ast: unknown, jsonata: JsonataEvaluation): (input: unknown) => unknown {
  const compiled = compileExpression(ast);
  if (!compiled) return jsonata;
  return (input) => {
    const result = compiled(input);
    return result === FALLBACK ? jsonata(input) : result;
  };
}
