// Row validation against the batch's JSON Schema.
export { compileRowSchema, SchemaError, type RowValidation, type RowValidator } from './row-schema';
export { compileJsonRowSchema } from './json-row-schema';
