// Row validation against the batch's JSON Schema.
export { compileRowSchema, compileJsonRowSchema, SchemaError, type RowValidation, type RowValidator } from './row-schema';
