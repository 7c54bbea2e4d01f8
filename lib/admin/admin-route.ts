import type { Store } from '../store';
import type { DispatcherRegistry } from './dispatcher-registry';

export type AdminPermission = 'bsync.read' | 'bsync.write';

/** One admin request, as the route handlers see it: no Express, no Node-RED. */
export interface AdminRequest {
  /** Path parameters, as given (still text). */
  params: Record<string, string>;
  /** The query string, as parsed. */
  query: Record<string, unknown>;
  /** The parsed JSON body; undefined without one. */
  body: unknown;
  /** Who asks: the editor user, written to bsync_event with every change. */
  actor: string;
}

/** What a route handler may use besides the request. */
export interface AdminContext {
  /** The open batch store the route is about (routes under /bsync/stores/:store/). */
  store: Store;
  storeId: string;
  dispatchers: DispatcherRegistry;
  /** Where a replay of failed rows writes its file: the processing folder the row-processors read from. */
  processingFolder: string;
}

export interface AdminResponse {
  status: number;
  /** JSON, or text when `contentType` says so (the metrics). */
  body: unknown;
  contentType?: string;
}

export interface AdminRoute {
  method: 'get' | 'post' | 'put';
  /** Below /bsync/stores/:store/, Express style (`batches/:id`). */
  path: string;
  permission: AdminPermission;
  handle(request: AdminRequest, context: AdminContext): Promise<AdminResponse>;
}

export function ok(body: unknown): AdminResponse {
  return { status: 200, body };
}
