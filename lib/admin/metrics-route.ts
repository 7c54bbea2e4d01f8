import { renderStoreMetrics } from '../metrics/store-metrics';
import type { AdminRoute } from './admin-route';
import { queryFields } from './request-fields';

export const metricsRoute: AdminRoute = {
  method: 'get',
  path: 'metrics',
  permission: 'bsync.read',
  async handle(request, context) {
    queryFields(request.query, []);
    // One sample per control row followed here: several nodes on one row count the same leases.
    const seen = new Map<string, () => Promise<number>>();
    for (const entry of context.dispatchers.ofStore(context.storeId)) if (!seen.has(entry.dispatcher)) seen.set(entry.dispatcher, entry.inFlight);
    const inFlight = await Promise.all([...seen].map(async ([dispatcher, count]) => ({ dispatcher, count: await count() })));
    const { contentType, text } = await renderStoreMetrics(context.store, inFlight);
    return { status: 200, body: text, contentType };
  },
};
