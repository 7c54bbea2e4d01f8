/**
 * What a compiled expression gives when it meets data whose JSONata meaning it does not reproduce (a path
 * through a list of lists, an object built over a list...): that one evaluation is handed to JSONata itself.
 */
export const FALLBACK: unique symbol = Symbol('evaluate with JSONata');

/** A compiled expression over one context value: JSONata's result, or FALLBACK. Synchronous, no state. */
export type CompiledExpression = (context: unknown) => unknown;
