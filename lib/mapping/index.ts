// Mapping: JSONata expressions of the common shapes compiled to synchronous functions with JSONata's
// results, JSONata itself for the rest. Knows syntax trees and values, not Node-RED.
export { compileExpression, type JsonataNode } from './compile-expression';
export { FALLBACK, type CompiledExpression } from './fallback';
export { evaluateCompiledFirst, type JsonataEvaluation } from './with-fallback';
