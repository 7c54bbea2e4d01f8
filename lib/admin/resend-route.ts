import { resendByKey, resendRequestOf, resendView } from '../resend';
import { ok, type AdminRoute } from './admin-route';
import { bodyFields } from './request-fields';

/**
 * POST resend `{ groupType, sourceKeys, keyColumn?, reason? }`: the latest delivered version of each key
 * parked again as a replay batch (one per source batch); the answer names the parked batches and each
 * refused key with its reason (200 even when every key was refused: the request itself was fine).
 */
export const resendRoute: AdminRoute = {
  method: 'post',
  path: 'resend',
  permission: 'bsync.write',
  async handle(request, { store, processingFolder }) {
    const asked = resendRequestOf(bodyFields(request.body, 'resend'));
    return ok(resendView(await resendByKey(store, { ...asked, processingFolder, actor: request.actor })));
  },
};
