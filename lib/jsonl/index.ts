// JSON Lines files: streaming reading of batch files and writing of their error files.
export {
  readJsonlRows,
  scanJsonl,
  JsonlFormatError,
  DEFAULT_MAX_LINE_BYTES,
  MAX_SCAN_PROBLEMS,
  type JsonlRow,
  type JsonlScan,
  type JsonlProblem,
  type JsonlReadOptions,
  type JsonlFormatErrorCode,
} from './read-rows';
export {
  createJsonlErrorFileWriter,
  errorFileName,
  ERROR_FILE_ROW_COLUMN,
  ERROR_FILE_ERROR_COLUMN,
  ERROR_FILE_LINE_COLUMN,
  type JsonlErrorFileWriter,
  type JsonlErrorFileRow,
} from './error-file';
export { formatOfFileName, BATCH_FORMATS, type BatchFileFormat } from '../store/batches/batch-format';
