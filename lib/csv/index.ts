// CSV files: streaming reading of batch files and writing of their error files.
export { readCsvRows, readCsvRowBlocks, BULK_READ_CHUNK_BYTES, readCsvColumns, csvRowStarts, scanCsv, type CsvRowStart, CsvFormatError, type CsvRow, type CsvScan, type CsvOptions, type CsvEncoding, type CsvFormatErrorCode } from './read-rows';
export {
  createErrorFileWriter,
  errorFileName,
  errorFileDataColumns,
  errorFileHeader,
  errorFileLine,
  ERROR_FILE_ROW_COLUMN,
  ERROR_FILE_ERROR_COLUMN,
  type ErrorFileWriter,
  type ErrorFileRow,
} from './error-file';
export { rowOriginal, raggedRowReason, raggedOriginalReason, parseStoredOriginal, type StoredOriginal } from './row-original';
export { DEFAULT_MAX_COLUMNS } from './csv-options';
