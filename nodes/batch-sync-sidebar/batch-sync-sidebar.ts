// The batch sync sidebar's runtime half: the admin routes under /bsync/ on Node-RED's admin HTTP server,
// behind Node-RED's own adminAuth. The editor half (the tab) is batch-sync-sidebar.html beside this file.
import type { NodeAPI } from 'node-red';
import type { NextFunction, Request, Response } from 'express';
import { STORE_ROUTES, actorOfUser, dispatcherRegistry, hasPermission, runStoreRoute, type AdminRoute, type StoreDirectory, type StoreSummary } from '../../lib/admin';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { resolveFolder } from '../../lib/node-red/config-values';

/** The folder row-processors read replay files from, as the error-payload node's default. */
const PROCESSING_FOLDER = 'processing';

function register(RED: NodeAPI): void {
  RED.plugins.registerPlugin('batch-sync-sidebar', { type: 'bsync-admin' });
  const app = RED.httpAdmin;
  const auth = (RED as unknown as { auth: { needsPermission(permission: string): (req: Request, res: Response, next: NextFunction) => void } }).auth;

  const stores: StoreDirectory = {
    list() {
      const found: StoreSummary[] = [];
      RED.nodes.eachNode((def) => {
        if (def.type !== 'batch-store') return;
        const node = RED.nodes.getNode(def.id) as BatchStoreNode | null;
        found.push({
          id: def.id,
          name: (def as { name?: string }).name || def.id,
          client: (def as { client?: string }).client === 'mysql' ? 'mysql' : 'sqlite',
          state: node?.connection?.state ?? 'not deployed',
        });
      });
      return found;
    },
    use(storeId, work) {
      const node = RED.nodes.getNode(storeId) as BatchStoreNode | null;
      if (!node || node.type !== 'batch-store') return undefined;
      return node.use((store) => work({ store, storeId, dispatchers: dispatcherRegistry(), processingFolder: resolveFolder(RED, PROCESSING_FOLDER, PROCESSING_FOLDER) }));
    },
  };

  // Node-RED's check lets in whoever may look; a change also needs bsync.write. Without adminAuth there is
  // no user and, as on every admin route, nothing to check.
  const mayLook = auth.needsPermission('bsync.read');
  const mayChange = (req: Request, res: Response, next: NextFunction) => {
    const { user, authInfo } = req as Request & { user?: unknown; authInfo?: { scope?: unknown } };
    if (user === undefined || hasPermission(authInfo?.scope, 'bsync.write')) return next();
    res.status(403).json({ error: `${actorOfUser(user)} may look but not change: that needs the permission bsync.write` });
  };
  const pass = (_req: Request, _res: Response, next: NextFunction) => next();

  app.get('/bsync/stores', mayLook, (_req: Request, res: Response) => {
    res.json({ stores: stores.list() });
  });

  const mount = (route: AdminRoute) => {
    app[route.method](`/bsync/stores/:store/${route.path}`, mayLook, route.permission === 'bsync.write' ? mayChange : pass, (req: Request, res: Response) => {
      const request = { params: req.params as Record<string, string>, query: req.query as Record<string, unknown>, body: req.body, actor: actorOfUser((req as { user?: unknown }).user) };
      runStoreRoute(route, String(req.params.store), request, stores).then((response) => {
        if (response.unexpected) RED.log.warn(`batch sync admin ${req.method} ${req.path}: ${String((response.unexpected as Error)?.stack ?? response.unexpected)}`);
        res.status(response.status);
        if (response.contentType) res.type(response.contentType).send(response.body);
        else res.json(response.body);
      });
    });
  };
  for (const route of STORE_ROUTES) mount(route);

  app.use('/bsync', (req: Request, res: Response) => {
    res.status(404).json({ error: `there is no batch sync admin route ${req.method} ${req.path}` });
  });
  // Node-RED parses admin request bodies (JSON, at most apiMaxLength) in the editor's admin app, which
  // RED.httpAdmin is mounted in: its refusals (bad JSON, too large) reach only that app's error handlers, so
  // ours goes there too (Express's app.parent), answering them in our words for our paths only.
  const parent = (app as unknown as { parent?: typeof app }).parent ?? app;
  parent.use('/bsync', (error: { status?: number; type?: string; limit?: number; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.parse.failed') return res.status(400).json({ error: `the request body is not valid JSON: ${error.message}` });
    if (error.type === 'entity.too.large') return res.status(413).json({ error: `the request body is larger than the ${error.limit} bytes Node-RED takes (apiMaxLength)` });
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    res.status(status).json({ error: `the request was refused: ${error.message ?? 'unknown reason'}` });
  });
}

export = register;
