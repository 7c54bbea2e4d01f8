import { InvalidRequestError } from '../errors';
import { assertDispatcherKey } from '../store/control/validate-control';
import { setPaused, setThrottle, type ControlRow } from '../store';
import { listControls } from '../store/control/list-controls';
import { ok, type AdminContext, type AdminRoute } from './admin-route';
import { bodyFields, onlyFields, queryFields } from './request-fields';
import { dispatcherView, isoTime, type DispatcherRuntimeView } from './views';

async function nodesFollowing(context: AdminContext, dispatcher: string): Promise<DispatcherRuntimeView[]> {
  const nodes = context.dispatchers.ofStore(context.storeId).filter((entry) => entry.dispatcher === dispatcher);
  return Promise.all(
    nodes.map(async (entry) => ({
      nodeId: entry.nodeId,
      nodeName: entry.nodeName,
      mode: entry.mode,
      groupType: entry.groupType ?? null,
      groupId: entry.groupId ?? null,
      nextRun: isoTime(entry.nextRun()?.getTime()),
      inFlight: await entry.inFlight(),
      startingFetchSize: entry.startingFetchSize,
      startingMaxInFlight: entry.startingMaxInFlight,
    })),
  );
}

async function answer(context: AdminContext, control: ControlRow) {
  // The nodes of this runtime show the new values at once; other runtimes read them on their next run.
  context.dispatchers.changed(context.storeId, control.dispatcher);
  return ok({ dispatcher: dispatcherView(control, await nodesFollowing(context, control.dispatcher)) });
}

function nameOf(value: string | undefined): string {
  return assertDispatcherKey(value);
}

export const dispatcherRoutes: AdminRoute[] = [
  {
    method: 'get',
    path: 'dispatchers',
    permission: 'bsync.read',
    async handle(request, context) {
      queryFields(request.query, []);
      const controls = await listControls(context.store);
      const dispatchers = await Promise.all(controls.map(async (control) => dispatcherView(control, await nodesFollowing(context, control.dispatcher))));
      return ok({ dispatchers });
    },
  },
  {
    method: 'post',
    path: 'dispatchers/:name/pause',
    permission: 'bsync.write',
    async handle(request, context) {
      onlyFields(bodyFields(request.body, 'pause', false), 'pause', []);
      return answer(context, await setPaused(context.store, nameOf(request.params.name), true, request.actor));
    },
  },
  {
    method: 'post',
    path: 'dispatchers/:name/resume',
    permission: 'bsync.write',
    async handle(request, context) {
      onlyFields(bodyFields(request.body, 'resume', false), 'resume', []);
      return answer(context, await setPaused(context.store, nameOf(request.params.name), false, request.actor));
    },
  },
  {
    method: 'post',
    path: 'dispatchers/:name/throttle',
    permission: 'bsync.write',
    async handle(request, context) {
      const fields = onlyFields(bodyFields(request.body, 'throttle'), 'throttle', ['fetchSize', 'maxInFlight']);
      if (fields.fetchSize === undefined && fields.maxInFlight === undefined) {
        throw new InvalidRequestError('a throttle needs fetchSize, maxInFlight or both, e.g. {"fetchSize": 10, "maxInFlight": 5}');
      }
      const throttle = { fetchSize: fields.fetchSize as number | undefined, maxInFlight: fields.maxInFlight as number | undefined };
      return answer(context, await setThrottle(context.store, nameOf(request.params.name), throttle, request.actor));
    },
  },
];
