// The admin routes of the batch sync sidebar (and of any script): plain typed handlers over a store,
// calling the same lib/ functions the nodes call; the plugin in nodes/batch-sync-sidebar puts them on
// Node-RED's admin HTTP server.
export type { AdminContext, AdminPermission, AdminRequest, AdminResponse, AdminRoute } from './admin-route';
export { STORE_ROUTES } from './routes';
export { runStoreRoute, type StoreDirectory, type StoreSummary } from './run-route';
export { errorResponse, refusalOf, type FieldRefusal } from './error-response';
export { hasPermission, actorOfUser } from './permissions';
export { dispatcherRegistry, type DispatcherRegistry, type RegisteredDispatcher } from './dispatcher-registry';
