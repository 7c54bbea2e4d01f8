// What an all-or-nothing batch records about its rows: the rows it applied, their undo, undos that failed.
export { listBatchEvents, type BatchEventPage } from './list-batch-events';
export { recordCompensated } from './record-compensated';
export { storeCompensationFailure } from './store-compensation-failure';
export { type UndoRequest, type CompensationRecord, type CompensationFailure } from './undo-request';
