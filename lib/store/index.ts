// The store: typed database operations, one job per file, used by the nodes and tested without Node-RED.
export * from './tables';
export { openStore, describeTarget, type Store, type StoreConfig, type Dialect } from './open-store';
export { writeTransaction, forUpdate } from './transaction';
export { recordEvents, type EventInput } from './record-event';
export { listEvents, type EventFilter } from './list-events';
export { canBecome, assertBatchTransition } from './batches/batch-transitions';
export { registerBatch, type NewBatch } from './batches/register-batch';
export { getBatch, findBatch, findBatchBySha256 } from './batches/get-batch';
export { listBatches, MAX_PAGE_SIZE, type BatchFilter, type BatchPage } from './batches/list-batches';
export { countBatches, type BatchCounts } from './batches/count-batches';
export { claimBatches, type ClaimOptions } from './batches/claim-batches';
export { changeBatchStatus, LeaseLostError, type StatusChange, type BatchPatch } from './batches/change-batch-status';
export { StoreConnection, isUnreachable, type ConnectionState, type ConnectionOptions } from './store-connection';
export * from './control';
