import type { NodeAPI } from 'node-red';

/** The comms topic the batch sync sidebar listens on for live progress. */
const BATCH_PROGRESS_TOPIC = 'bsync/batch';

export interface BatchProgressEvent {
  /** The batch-store config node the batch is in: the sidebar shows only its selected store's batches. */
  storeId: string;
  batchId: number;
  /** Set when the batch ended (or was re-parked); absent while rows are still being sent. */
  status?: string;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  /** Rows not sent because their content was delivered before (key matching); absent without it. */
  skippedRows?: number;
}

/** At most this often per batch; the end of a batch is always sent. */
const MIN_INTERVAL_MS = 500;
const lastSent = new Map<string, number>();

/**
 * Live progress for the sidebar over Node-RED's comms (one websocket the editor already holds, not a poll
 * per batch). Not retained: a browser that opens later reads the batch from the admin routes.
 */
export function publishBatchProgress(RED: NodeAPI, event: BatchProgressEvent): void {
  const key = `${event.storeId}:${event.batchId}`;
  const now = Date.now();
  if (event.status === undefined && now - (lastSent.get(key) ?? 0) < MIN_INTERVAL_MS) return;
  // A batch whose end never came (its runtime stopped) must not keep its entry for ever.
  if (lastSent.size > 10_000) lastSent.clear();
  if (event.status === undefined) lastSent.set(key, now);
  else lastSent.delete(key);
  const data: BatchProgressEvent = {
    storeId: event.storeId,
    batchId: event.batchId,
    totalRows: event.totalRows,
    processedRows: event.processedRows,
    succeededRows: event.succeededRows,
    failedRows: event.failedRows,
    ...(event.skippedRows ? { skippedRows: event.skippedRows } : {}),
    ...(event.status === undefined ? {} : { status: event.status }),
  };
  RED.comms.publish(BATCH_PROGRESS_TOPIC, data as never, false);
}
