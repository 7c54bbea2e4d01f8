import { replayFailedRows } from '../corrections';
import { InvalidRequestError } from '../errors';
import { batchFilterOf } from '../parking/batch-filter';
import { fixStatistics, cancelBatch, getBatch, listBatches, listEvents, retryBatch } from '../store';
import { getBatchLineage } from '../store/batches/batch-lineage';
import { ok, type AdminRoute } from './admin-route';
import { bodyFields, onlyFields, optionalText, pathId, queryFields } from './request-fields';
import { batchView, eventView, fixStatisticsView, lineageView } from './views';

export const MAX_REASON_LENGTH = 1000;
const BATCH_FILTERS = ['status', 'groupType', 'groupId', 'partitionOf', 'limit', 'offset'] as const;

function reasonOf(body: unknown, what: string): string | undefined {
  return optionalText(onlyFields(bodyFields(body, what, false), what, ['reason']), 'reason', MAX_REASON_LENGTH);
}

export const batchRoutes: AdminRoute[] = [
  {
    method: 'get',
    path: 'batches',
    permission: 'bsync.read',
    async handle(request, { store }) {
      const page = await listBatches(store, batchFilterOf(queryFields(request.query, BATCH_FILTERS)));
      return ok({ batches: page.batches.map(batchView), total: page.total, limit: page.limit, offset: page.offset });
    },
  },
  {
    method: 'get',
    path: 'batches/:id',
    permission: 'bsync.read',
    async handle(request, { store }) {
      queryFields(request.query, []);
      const batch = await getBatch(store, pathId('batch', request.params.id));
      const [events, lineage, statistics] = await Promise.all([
        listEvents(store, { entity: 'batch', entityId: batch.id, limit: 500 }),
        getBatchLineage(store, batch),
        fixStatistics(store, [batch.id]).then((byBatch) => byBatch.get(batch.id)!),
      ]);
      return ok({ batch: batchView(batch), lineage: lineageView(lineage), fixStatistics: fixStatisticsView(statistics), events: events.map(eventView) });
    },
  },
  {
    method: 'post',
    path: 'batches/:id/retry',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const id = pathId('batch', request.params.id);
      const batch = await retryBatch(store, { id, actor: request.actor, reason: reasonOf(request.body, 'retry') });
      return ok({ batch: batchView(batch) });
    },
  },
  {
    method: 'post',
    path: 'batches/:id/cancel',
    permission: 'bsync.write',
    async handle(request, { store }) {
      const id = pathId('batch', request.params.id);
      const batch = await cancelBatch(store, { id, actor: request.actor, reason: reasonOf(request.body, 'cancel') });
      return ok({ batch: batchView(batch) });
    },
  },
  {
    method: 'post',
    path: 'batches/:id/replay',
    permission: 'bsync.write',
    async handle(request, { store, processingFolder }) {
      const id = pathId('batch', request.params.id);
      const fields = onlyFields(bodyFields(request.body, 'replay'), 'replay', ['source', 'reason']);
      const reason = optionalText(fields, 'reason', MAX_REASON_LENGTH);
      if (fields.source === 'original') {
        const batch = await retryBatch(store, { id, actor: request.actor, reason });
        return ok({ source: 'original', batch: batchView(batch) });
      }
      if (fields.source !== 'errors') {
        throw new InvalidRequestError(`replay needs "source": "errors" (the failed rows, as a new batch) or "original" (the whole file again), not ${JSON.stringify(fields.source) ?? 'nothing'}`);
      }
      const replay = await replayFailedRows(store, { batchId: id, processingFolder, actor: request.actor, reason });
      return ok({ source: 'errors', batch: batchView(replay.batch), parent: batchView(replay.parent), rows: replay.rows });
    },
  },
];
