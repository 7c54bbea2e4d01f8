// Corrections: an admin's work on failed rows: correct, resend, discard, replay, export.
export { errorPayloadFilterOf, errorPayloadSelectionOf, positiveId, type ErrorPayloadSelection } from './error-payload-filter';
export { correctPayload, type CorrectionRequest } from './correct-payload';
export { CorrectionRefusedError } from './correction-refused-error';
export { replayFailedRows, type ReplayRequest, type Replay } from './replay-failed-rows';
export { exportFailedRows, type ExportRequest, type ExportedRows, type CsvFormat } from './export-failed-rows';
