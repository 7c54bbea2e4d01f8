// The parking lot: parks what arrives as a batch, and the typed reads an admin's questions about batches need.
export { parkRequest, type ParkRequest, type ParkingRules } from './park-request';
export { batchFilterOf } from './batch-filter';
export { getBatchDetail, type BatchDetail } from './batch-detail';
export { compileGroupPattern, groupFromFileName, type GroupFromName } from './group-pattern';
export { sniffContentType } from './payload-content';
export type { FileReference } from './file-reference';
export { DuplicateBatchError, type DuplicateLocation } from './duplicate-batch-error';
export { groupLabel } from './batch-view';
