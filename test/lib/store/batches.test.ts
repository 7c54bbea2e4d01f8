import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidTransitionError, NotFoundError } from '../../../lib/errors';
import {
  changeBatchStatus,
  countBatches,
  findBatchBySha256,
  getBatch,
  listBatches,
  listEvents,
  registerBatch,
  type Store,
} from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

describeEachDatabase('batch store operations', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('registers a file batch as NEW with its registered event', async () => {
    const batch = await registerBatch(store, {
      groupType: 'employee-bank-connections',
      groupId: 'acme',
      kind: 'file',
      fileName: 'bank-2026-11-22.csv',
      folder: '/data/processing',
      sha256: 'a'.repeat(64),
      size: 1234,
      parkedUntil: 5_000,
      priority: 2,
      actor: 'node:parking-lot',
      now: 1_000,
    });
    assert.equal(batch.status, 'NEW');
    assert.equal(batch.kind, 'file');
    assert.equal(batch.size, 1234);
    assert.equal(batch.parked_until, 5_000);
    assert.equal(batch.priority, 2);
    assert.equal(batch.created_at, 1_000);
    const fetched = await getBatch(store, batch.id);
    assert.deepEqual(fetched, batch);
    const events = await listEvents(store, { entity: 'batch', entityId: batch.id });
    assert.equal(events.length, 1);
    assert.equal(events[0].action, 'registered');
    assert.equal(events[0].to_status, 'NEW');
    assert.equal(events[0].actor, 'node:parking-lot');
  });

  it('gives batch ids in arrival order and keeps a single payload as it was sent', async () => {
    const xml = '<employee id="7"><iban>DE89370400440532013000</iban></employee>';
    const first = await registerBatch(store, { groupType: 'single', kind: 'payload', payload: xml, contentType: 'application/xml', actor: 'test' });
    const second = await registerBatch(store, { groupType: 'single', kind: 'payload', payload: '{"a":1}', contentType: 'application/json', actor: 'test' });
    assert.ok(second.id > first.id);
    assert.equal((await getBatch(store, first.id)).payload, xml);
    assert.equal((await getBatch(store, first.id)).content_type, 'application/xml');
  });

  it('finds a batch by content hash within its group type only', async () => {
    const sha = 'b'.repeat(64);
    const batch = await registerBatch(store, { groupType: 'hash-a', kind: 'file', fileName: 'x.csv', sha256: sha, actor: 'test' });
    assert.equal((await findBatchBySha256(store, 'hash-a', sha))?.id, batch.id);
    assert.equal(await findBatchBySha256(store, 'hash-b', sha), undefined);
  });

  it('throws NotFoundError for an unknown batch', async () => {
    await assert.rejects(getBatch(store, 999_999), NotFoundError);
  });

  it('lists with filters and paging, newest first, with the total', async () => {
    for (let i = 0; i < 5; i += 1) {
      await registerBatch(store, { groupType: 'paging', groupId: i % 2 ? 'odd' : 'even', kind: 'payload', payload: String(i), actor: 'test' });
    }
    const page = await listBatches(store, { groupType: 'paging', limit: 2, offset: 1 });
    assert.equal(page.total, 5);
    assert.equal(page.batches.length, 2);
    assert.ok(page.batches[0].id > page.batches[1].id);
    assert.equal(page.batches[0].payload, null, 'lists leave the payload out');
    const odd = await listBatches(store, { groupType: 'paging', groupId: 'odd' });
    assert.equal(odd.total, 2);
    assert.ok(odd.batches.every((batch) => batch.group_id === 'odd'));
    const none = await listBatches(store, { groupType: 'paging', status: 'FAILED' });
    assert.equal(none.total, 0);
  });

  it('counts by status and by group type', async () => {
    const a = await registerBatch(store, { groupType: 'count-a', kind: 'payload', payload: '1', actor: 'test' });
    await registerBatch(store, { groupType: 'count-a', kind: 'payload', payload: '2', actor: 'test' });
    await registerBatch(store, { groupType: 'count-b', kind: 'payload', payload: '3', actor: 'test' });
    await changeBatchStatus(store, { id: a.id, to: 'CANCELLED', action: 'cancel', actor: 'admin' });
    const counts = await countBatches(store, { groupType: 'count-a' });
    assert.deepEqual(counts.byStatus, { NEW: 1, CANCELLED: 1 });
    assert.equal(counts.total, 2);
    const all = await countBatches(store);
    assert.deepEqual(all.byGroupType['count-b'], { NEW: 1 });
  });

  it('changes status with an event holding who, before and after, in the same transaction', async () => {
    const batch = await registerBatch(store, { groupType: 'status', kind: 'payload', payload: 'x', actor: 'test' });
    const cancelled = await changeBatchStatus(store, {
      id: batch.id,
      to: 'CANCELLED',
      action: 'cancel',
      actor: 'alice',
      reason: 'sent by mistake',
      patch: { error: 'cancelled by alice' },
      now: 9_000,
    });
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(cancelled.status_time, 9_000);
    const events = await listEvents(store, { entity: 'batch', entityId: batch.id });
    const cancel = events.find((event) => event.action === 'cancel');
    assert.ok(cancel);
    assert.equal(cancel.actor, 'alice');
    assert.equal(cancel.from_status, 'NEW');
    assert.equal(cancel.to_status, 'CANCELLED');
    assert.deepEqual(JSON.parse(cancel.detail!), {
      reason: 'sent by mistake',
      changed: { error: { before: null, after: 'cancelled by alice' } },
    });
  });

  it('refuses a transition the state machine forbids, and writes nothing', async () => {
    const batch = await registerBatch(store, { groupType: 'status', kind: 'payload', payload: 'x', actor: 'test' });
    await assert.rejects(
      changeBatchStatus(store, { id: batch.id, to: 'PROCESSED', action: 'processed', actor: 'test' }),
      (error: unknown) => error instanceof InvalidTransitionError && /NEW: it cannot become PROCESSED/.test(error.message),
    );
    assert.equal((await getBatch(store, batch.id)).status, 'NEW');
    assert.equal((await listEvents(store, { entity: 'batch', entityId: batch.id })).length, 1);
  });

  it('refuses a change when the batch is not in one of the statuses the caller expects', async () => {
    const batch = await registerBatch(store, { groupType: 'status', kind: 'payload', payload: 'x', actor: 'test' });
    await assert.rejects(
      changeBatchStatus(store, { id: batch.id, to: 'RETRY', from: ['FAILED', 'PROCESSED', 'CANCELLED'], action: 'retry', actor: 'test' }),
      InvalidTransitionError,
    );
  });
});

describeEachDatabase('table prefix', (kind) => {
  it('keeps two prefixes apart in one database', async () => {
    const store = await openTestStore(kind, 'other_');
    try {
      assert.equal(store.tables.batch, 'other_batch');
      const batch = await registerBatch(store, { groupType: 'p', kind: 'payload', payload: '1', actor: 'test' });
      assert.equal((await getBatch(store, batch.id)).group_type, 'p');
      assert.ok(await store.knex.schema.hasTable('other_event'));
      assert.ok(await store.knex.schema.hasTable('other_control'));
      assert.ok(await store.knex.schema.hasTable('other_error_payload'));
      assert.equal(await store.knex.schema.hasTable('bsync_batch'), false);
    } finally {
      await store.close();
    }
  });
});
