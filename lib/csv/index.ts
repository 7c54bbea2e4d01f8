// CSV files: streaming reading of batch files and writing of their error files.
export { readCsvRows, scanCsv, CsvFormatError, type CsvRow, type CsvScan, type CsvOptions, type CsvEncoding, type CsvFormatErrorCode } from './read-rows';
export {
  createErrorFileWriter,
  errorFileName,
  errorFileDataColumns,
  errorFileHeader,
  errorFileLine,
  ERROR_FILE_ROW_COLUMN,
  ERROR_FILE_ERROR_COLUMN,
  ERROR_FILE_QUOTED_COLUMN,
  type ErrorFileWriter,
  type ErrorFileRow,
} from './error-file';
export { quoteFormula, unquoteFormula, FORMULA_QUOTE } from './format-line';
export { rowOriginal, raggedRowReason, raggedOriginalReason, parseStoredOriginal, RAGGED_FIELDS_KEY, RAGGED_COLUMNS_KEY, type StoredOriginal } from './row-original';
export { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_ROW_BYTES } from './csv-options';
