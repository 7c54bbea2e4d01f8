import { Gauge, Registry } from 'prom-client';
import { BATCH_STATUSES, countBatches, type Store } from '../store';
import { sumBatchRows } from '../store/batches/sum-batch-rows';
import { countErrorPayloads } from '../store/error-payloads/count-error-payloads';
import { latencyRegistry } from './request-latency';

export interface InFlightSample {
  dispatcher: string;
  count: number;
}

/**
 * The Prometheus text exposition of one batch store, read at scrape time (every runtime sharing the store
 * answers the same), with this process's latency histograms.
 */
export async function renderStoreMetrics(store: Store, inFlight: readonly InFlightSample[]): Promise<{ contentType: string; text: string }> {
  const [batches, rows, errorPayloads] = await Promise.all([countBatches(store), sumBatchRows(store), countErrorPayloads(store)]);
  const registry = new Registry();
  const batchGauge = new Gauge({ name: 'bsync_batches', help: 'Batches in the store, by status', labelNames: ['status'] as const, registers: [registry] });
  for (const status of BATCH_STATUSES) batchGauge.set({ status }, batches.byStatus[status] ?? 0);
  const rowGauge = new Gauge({
    name: 'bsync_batch_rows',
    help: 'Rows of the batches in the store (their latest run), by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  rowGauge.set({ outcome: 'processed' }, rows.processed);
  rowGauge.set({ outcome: 'succeeded' }, rows.succeeded);
  rowGauge.set({ outcome: 'failed' }, rows.failed);
  const errorGauge = new Gauge({ name: 'bsync_error_payloads', help: 'Error payloads in the store, by status', labelNames: ['status'] as const, registers: [registry] });
  for (const [status, count] of Object.entries(errorPayloads)) errorGauge.set({ status }, count);
  const inFlightGauge = new Gauge({
    name: 'bsync_in_flight',
    help: 'Claimed requests holding a live lease, by dispatcher of this runtime',
    labelNames: ['dispatcher'] as const,
    registers: [registry],
  });
  for (const sample of inFlight) inFlightGauge.set({ dispatcher: sample.dispatcher }, sample.count);
  const merged = Registry.merge([registry, latencyRegistry]);
  return { contentType: merged.contentType, text: await merged.metrics() };
}
