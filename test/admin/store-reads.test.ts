// The store functions added for the admin routes, on SQLite and MariaDB: bulk discard, lineage, control
// rows, error payloads by status, row totals.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidRequestError } from '../../lib/errors';
import { ensureControl, getBatch, listEvents, markErrorPayloadReady, type Store } from '../../lib/store';
import { getBatchLineage } from '../../lib/store/batches/batch-lineage';
import { sumBatchRows } from '../../lib/store/batches/sum-batch-rows';
import { listControls } from '../../lib/store/control/list-controls';
import { countErrorPayloads } from '../../lib/store/error-payloads/count-error-payloads';
import { discardErrorPayloads } from '../../lib/store/error-payloads/discard-error-payloads';
import { describeEachDatabase, openTestStore } from '../support/stores';
import { failedBatch } from '../lib/corrections/failed-batch';

describeEachDatabase('store reads of the admin routes', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('discards the NEW and READY error payloads of a filter in bulk, each with its event, and closes the batch', async () => {
    const { batch, errorPayloads } = await failedBatch(store, { totalRows: 5, failures: [2, 3, 4].map((row) => ({ row, error: `row ${row} refused` })) });
    const other = await failedBatch(store, { totalRows: 2, failures: [{ row: 1 }] });
    await markErrorPayloadReady(store, { id: errorPayloads[1].id, actor: 'alice' });
    const before = await countErrorPayloads(store);

    await assert.rejects(discardErrorPayloads(store, { filter: { batchId: batch.id }, reason: '  ', actor: 'bob' }), InvalidRequestError);
    await assert.rejects(discardErrorPayloads(store, { filter: {}, reason: 'all of them', actor: 'bob' }), /needs a filter/);
    assert.deepEqual(await countErrorPayloads(store), before, 'a refused bulk discard changes nothing');

    const result = await discardErrorPayloads(store, { filter: { batchId: batch.id }, reason: 'test data', actor: 'bob' });
    assert.deepEqual(result, { ids: errorPayloads.map((row) => row.id), count: 3 });
    assert.equal((await getBatch(store, batch.id)).status, 'PROCESSED', 'no open row left: the batch is settled');
    assert.equal((await getBatch(store, other.batch.id)).status, 'FAILED', 'another batch is left alone');
    const events = await listEvents(store, { batchId: batch.id });
    const discarded = events.filter((event) => event.action === 'discarded');
    assert.deepEqual(discarded.map((event) => [event.entity_id, event.from_status, event.actor]), [
      [String(errorPayloads[0].id), 'NEW', 'bob'],
      [String(errorPayloads[1].id), 'READY', 'bob'],
      [String(errorPayloads[2].id), 'NEW', 'bob'],
    ]);
    assert.equal(JSON.parse(discarded[0].detail!).reason, 'test data');
    const again = await discardErrorPayloads(store, { filter: { batchId: batch.id }, reason: 'twice', actor: 'bob' });
    assert.deepEqual(again, { ids: [], count: 0 }, 'nothing left to discard');
    const counts = await countErrorPayloads(store);
    assert.equal(counts.DISCARDED, before.DISCARDED + 3);
    assert.equal(counts.NEW, before.NEW - 2);
    assert.equal(counts.READY, before.READY - 1);
  });

  it('reads a batch lineage: the batch it replays and the replays of it', async () => {
    const parent = await failedBatch(store, { totalRows: 3, failures: [{ row: 2 }] });
    const replay = await failedBatch(store, { totalRows: 1, parentBatchId: parent.batch.id, failures: [{ row: 1, key: parent.errorPayloads[0].idempotency_key }] });
    const up = await getBatchLineage(store, replay.batch);
    assert.equal(up.parent?.id, parent.batch.id);
    assert.equal(up.parent?.status, 'FAILED');
    assert.deepEqual(up.replays, []);
    const down = await getBatchLineage(store, parent.batch);
    assert.equal(down.parent, null);
    assert.deepEqual(down.replays.map((batch) => [batch.id, batch.parent_batch_id, typeof batch.created_at]), [[replay.batch.id, parent.batch.id, 'number']]);
  });

  it('lists every control row, and adds up the row counters of the batches', async () => {
    await ensureControl(store, 'zeta', { fetchSize: 4, maxInFlight: 2 });
    await ensureControl(store, 'alpha', { fetchSize: 7, maxInFlight: 1 });
    const controls = await listControls(store);
    assert.deepEqual(controls.map((row) => [row.dispatcher, row.fetch_size, row.max_in_flight, row.paused]), [['alpha', 7, 1, false], ['zeta', 4, 2, false]]);
    const rows = (await store.knex(store.tables.batch).select('processed_rows', 'succeeded_rows', 'failed_rows')) as Record<string, number | string>[];
    const sum = (column: string) => rows.reduce((total, row) => total + Number(row[column]), 0);
    assert.deepEqual(await sumBatchRows(store), { processed: sum('processed_rows'), succeeded: sum('succeeded_rows'), failed: sum('failed_rows') });
    assert.ok(sum('failed_rows') > 0, 'the batches above have failed rows to add up');
  });
});
