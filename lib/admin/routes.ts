import type { AdminRoute } from './admin-route';
import { batchRoutes } from './batch-routes';
import { dispatcherRoutes } from './dispatcher-routes';
import { errorPayloadRoutes } from './error-payload-routes';
import { metricsRoute } from './metrics-route';
import { resendRoute } from './resend-route';
import { watermarkRoutes } from './watermark-routes';

/** Every route under /bsync/stores/:store/, in the order Express must try them (bulk paths before :id). */
export const STORE_ROUTES: readonly AdminRoute[] = [...batchRoutes, ...errorPayloadRoutes, ...dispatcherRoutes, ...watermarkRoutes, resendRoute, metricsRoute];
