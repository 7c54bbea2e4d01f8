import { Histogram, Registry } from 'prom-client';

// Latency histograms of this process, kept across scrapes (a histogram counts from the start of the process).

/** Seconds: from a fast local API (5 ms) to the default request timeout (30 s). */
const BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const latencyRegistry = new Registry();

const apiRequests = new Histogram({
  name: 'bsync_api_request_duration_seconds',
  help: 'Time of each request to a downstream API, by HTTP status (0: no answer)',
  labelNames: ['status'] as const,
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

// Every row's request is observed: a child per status, labelled once, spares a labels object and
// prom-client's closure per observation. The same series, the same values.
const apiRequestsByStatus = new Map<number, { observe(seconds: number): void }>();

/** One request to a downstream API took `durationMs`; `status` 0 when it got no answer. */
export function observeApiRequest(durationMs: number, status: number): void {
  let byStatus = apiRequestsByStatus.get(status);
  if (!byStatus) {
    byStatus = apiRequests.labels({ status: String(status) });
    apiRequestsByStatus.set(status, byStatus);
  }
  byStatus.observe(durationMs / 1000);
}

export function observeAdminRequest(route: string, status: number, durationMs: number): void {
  adminRequests.observe({ route, status: String(status) }, durationMs / 1000);
}
