// Processing: one claimed batch (or one error payload) from its file to the downstream API and back.
export { processBatch, type ProcessorContext } from './process-batch';
export { resendErrorPayload, type ResendContext } from './resend-error-payload';
export { DEFAULT_SETTINGS, type ProcessorSettings, type RowMapper, type Progress, type BatchSummary } from './processor-settings';
