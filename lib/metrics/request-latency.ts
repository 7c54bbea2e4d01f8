import { Histogram, Registry } from 'prom-client';
import { StatusHistogram } from './status-histogram';

// Latency histograms of this process, kept across scrapes (a histogram counts from the start of the process).

/** Seconds: from a fast local API (5 ms) to the default request timeout (30 s). */
const BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const latencyRegistry = new Registry();

// Every row's request is observed: counted in plain arrays, shaped for prom-client only when metrics are read.
const apiRequests = new StatusHistogram({
  name: 'bsync_api_request_duration_seconds',
  help: 'Time of each request to a downstream API, by HTTP status (0: no answer)',
  labelName: 'status',
  buckets: BUCKETS_S,
  registers: [latencyRegistry],
});

const adminRequests = new Histogram({
  name: 'bsync_admin_request_duration_seconds',
  help: 'Time of each request to the batch sync admin routes, by route and HTTP status',
  labelNames: ['route', 'status'] as const,
  buckets: BUCKETS_S,
  registers: [latencyRegistry],
});

/** One request to a downstream API took `durationMs`; `status` 0 when it got no answer. */
export function observeApiRequest(durationMs: number, status: number): void {
  apiRequests.observe(status, durationMs / 1000);
}

export function observeAdminRequest(route: string, status: number, durationMs: number): void {
  adminRequests.observe({ route, status: String(status) }, durationMs / 1000);
}
