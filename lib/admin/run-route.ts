import { InvalidRequestError, NotFoundError } from '../errors';
import { observeAdminRequest } from '../metrics/request-latency';
import type { AdminContext, AdminRequest, AdminResponse, AdminRoute } from './admin-route';
import { errorResponse } from './error-response';

/** The batch-store config nodes the admin routes can reach, and a way to work on one's open store. */
export interface StoreDirectory {
  list(): StoreSummary[];
  /** Runs the work on the store's open connection; undefined when there is no batch store of that id. */
  use<T>(storeId: string, work: (context: AdminContext) => Promise<T>): Promise<T> | undefined;
}

export interface StoreSummary {
  id: string;
  name: string;
  /** sqlite or mysql: where it keeps its tables, never how to log in. */
  client: string;
  /** ready, connecting or unavailable */
  state: string;
}

const MAX_STORE_ID_LENGTH = 100;

/**
 * Runs one route on the store it names and turns the outcome into an answer: the route's own, or a
 * refusal in plain words. Never throws; `unexpected` marks an answer whose cause is worth a log line.
 */
export async function runStoreRoute(
  route: AdminRoute,
  storeId: string,
  request: AdminRequest,
  stores: StoreDirectory,
): Promise<AdminResponse & { unexpected?: unknown }> {
  const startedAt = performance.now();
  let response: AdminResponse & { unexpected?: unknown };
  try {
    if (typeof storeId !== 'string' || storeId.length === 0 || storeId.length > MAX_STORE_ID_LENGTH) {
      throw new InvalidRequestError('a batch store id is required: GET /bsync/stores lists them');
    }
    const running = stores.use(storeId, (context) => route.handle(request, context));
    if (!running) throw new NotFoundError('batch store', storeId);
    response = await running;
  } catch (error) {
    const refused = errorResponse(error);
    response = refused.unexpected ? { ...refused, unexpected: error } : refused;
  }
  observeAdminRequest(`${route.method.toUpperCase()} ${route.path}`, response.status, performance.now() - startedAt);
  return response;
}
