import { correctPayload } from '../corrections';
import { errorPayloadFilterOf, errorPayloadSelectionOf } from '../corrections/error-payload-filter';
import { InvalidRequestError } from '../errors';
import { discardErrorPayload, getBatch, getErrorPayloadDetail, listErrorPayloads, markErrorPayloadReady, markErrorPayloadsReady } from '../store';
import { discardErrorPayloads } from '../store/error-payloads/discard-error-payloads';
import { ok, type AdminRoute } from './admin-route';
import { MAX_REASON_LENGTH } from './batch-routes';
import { bodyFields, onlyFields, optionalText, pathId, queryFields } from './request-fields';
import { errorPayloadView, eventView, fixStatisticsView } from './views';

/** A corrected row is one request body: far below this. Bounded so one request cannot fill the table. */
export const MAX_CORRECTION_BYTES = 1024 * 1024;

const LIST_FILTERS = ['batchId', 'status', 'groupType', 'groupId', 'errorKind', 'limit', 'offset'] as const;
const SELECTION = ['batchId', 'groupType', 'groupId', 'errorKind'] as const;

function schemaOf(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const errorPayloadRoutes: AdminRoute[] = [
  {
    method: 'get',
    path: 'error-payloads',
    permission: 'bsync.read',
    async handle(request, { store }) {
      const page = await listErrorPayloads(store, errorPayloadFilterOf(queryFields(request.query, LIST_FILTERS)));
      return ok({ errorPayloads: page.errorPayloads.map(errorPayloadView), total: page.total, limit: page.limit, offset: page.offset });
    },
  },
  {
    method: 'get',
    path: 'error-payloads/:id',
    permission: 'bsync.read',
    async handle(request, { store }) {
      queryFields(request.query, []);
      const detail = await getErrorPayloadDetail(store, pathId('error payload', request.params.id));
      const batch = await getBatch(store, detail.errorPayload.batch_id);
      return ok({
        errorPayload: errorPayloadView(detail.errorPayload),
        batchStatus: batch.status,
        // What a correction is checked against, so the sidebar can say which rules a row must keep.
        rowSchema: schemaOf(batch.row_schema),
        batchStatistics: fixStatisticsView(detail.batchStatistics),
        events: detail.events.map(eventView),
      });
    },
  },
  {
    method: 'put',
    path: 'error-payloads/:id',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const id = pathId('error payload', request.params.id);
      const fields = onlyFields(bodyFields(request.body, 'a correction'), 'a correction', ['payload']);
      if (!('payload' in fields)) throw new InvalidRequestError('a correction needs the corrected row in "payload", e.g. {"payload": {"iban": "…"}}');
      const size = Buffer.byteLength(typeof fields.payload === 'string' ? fields.payload : JSON.stringify(fields.payload) ?? '');
      if (size > MAX_CORRECTION_BYTES) throw new InvalidRequestError(`the corrected payload is ${size} bytes: at most ${MAX_CORRECTION_BYTES} are taken`);
      const row = await correctPayload(store, { id, payload: fields.payload, actor: request.actor });
      return ok({ errorPayload: errorPayloadView(row) });
    },
  },
  {
    method: 'post',
    path: 'error-payloads/ready',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const fields = onlyFields(bodyFields(request.body, 'marking READY in bulk', false), 'marking READY in bulk', [...SELECTION, 'reason']);
      const reason = optionalText(fields, 'reason', MAX_REASON_LENGTH);
      const result = await markErrorPayloadsReady(store, { filter: errorPayloadSelectionOf(fields), actor: request.actor, reason });
      return ok({ count: result.count, ids: result.ids });
    },
  },
  {
    method: 'post',
    path: 'error-payloads/discard',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const fields = onlyFields(bodyFields(request.body, 'discarding in bulk', false), 'discarding in bulk', [...SELECTION, 'reason']);
      const reason = optionalText(fields, 'reason', MAX_REASON_LENGTH);
      if (!reason) throw new InvalidRequestError('discarding in bulk needs a "reason": it is what an auditor asks first');
      const result = await discardErrorPayloads(store, { filter: errorPayloadSelectionOf(fields), reason, actor: request.actor });
      return ok({ count: result.count, ids: result.ids });
    },
  },
  {
    method: 'post',
    path: 'error-payloads/:id/ready',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const id = pathId('error payload', request.params.id);
      const fields = onlyFields(bodyFields(request.body, 'ready', false), 'ready', ['reason']);
      const row = await markErrorPayloadReady(store, { id, actor: request.actor, reason: optionalText(fields, 'reason', MAX_REASON_LENGTH) });
      return ok({ errorPayload: errorPayloadView(row) });
    },
  },
  {
    method: 'post',
    path: 'error-payloads/:id/discard',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const id = pathId('error payload', request.params.id);
      const fields = onlyFields(bodyFields(request.body, 'discard', false), 'discard', ['reason']);
      const reason = optionalText(fields, 'reason', MAX_REASON_LENGTH);
      if (!reason) throw new InvalidRequestError(`discarding error payload ${id} needs a "reason": it is what an auditor asks first`);
      const row = await discardErrorPayload(store, { id, reason, actor: request.actor });
      return ok({ errorPayload: errorPayloadView(row) });
    },
  },
];
