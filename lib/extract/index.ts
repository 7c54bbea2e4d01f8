// Table extracts: rows of a table, view or saved query that changed since the watermark, as parked JSON Lines batches.
export { parseExtractSettings, DEFAULT_PAGE_SIZE, DEFAULT_ROWS_PER_BATCH, type ExtractSettings, type ExtractSettingsInput, type ExtractMode, type ExtractFrom } from './extract-settings';
export { runExtract, type ExtractRun, type ExtractContext, type ParkedExtractBatch } from './run-extract';
export { batchFileName, type WrittenBatchFile } from './batch-file';
export { whereAfter } from './keyset';
export { buildPageQuery, type PageRequest } from './read-page';
export { bindingValue, lookbackBound } from './watermark-values';
