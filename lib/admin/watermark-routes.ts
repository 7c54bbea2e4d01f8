import { InvalidRequestError } from '../errors';
import { isoTime } from '../messages';
import { listWatermarks, resetWatermark, type WatermarkRow } from '../store';
import { ok, type AdminRoute } from './admin-route';
import { bodyFields, onlyFields, queryFields } from './request-fields';

/** A table-extract's watermark: what it has read so far, and who moved it last. */
export function watermarkView(row: WatermarkRow) {
  return {
    extract: row.extract,
    columns: row.columns,
    value: row.value,
    batchId: row.batch_id,
    updatedAt: isoTime(row.updated_at),
    updatedBy: row.updated_by,
  };
}

/** An extract's name as a path names it: text of 1 to 200 characters, as the table-extract node allows. */
function extractOf(value: string | undefined): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200 || /[\u0000-\u001f]/.test(value)) {
    throw new InvalidRequestError(`"${String(value).slice(0, 40)}" is not an extract name: 1 to 200 characters, without control characters`);
  }
  return value;
}

export const watermarkRoutes: AdminRoute[] = [
  {
    method: 'get',
    path: 'watermarks',
    permission: 'bsync.read',
    async handle(request, { store }) {
      queryFields(request.query, []);
      return ok({ watermarks: (await listWatermarks(store)).map(watermarkView) });
    },
  },
  {
    method: 'post',
    path: 'watermarks/:extract/reset',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const fields = onlyFields(bodyFields(request.body, 'reset', false), 'reset', ['reason']);
      if (fields.reason !== undefined && typeof fields.reason !== 'string') throw new InvalidRequestError('reason must be text');
      const row = await resetWatermark(store, { extract: extractOf(request.params.extract), actor: request.actor, reason: fields.reason as string | undefined });
      return ok({ watermark: watermarkView(row) });
    },
  },
];
