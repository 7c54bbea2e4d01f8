import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidRequestError, InvalidTransitionError, NotFoundError } from '../../../lib/errors';
import { parkRequest } from '../../../lib/parking';
import { runAdminAction, type BatchDetail } from '../../../nodes/parking-lot/actions';
import { changeBatchStatus, getBatch, listEvents, type BatchCounts, type BatchPage, type BatchRow, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

describeEachDatabase('parking-lot admin actions', (kind) => {
  let store: Store;
  let payroll: BatchRow[];
  let single: BatchRow;
  before(async () => {
    store = await openTestStore(kind);
    payroll = [];
    for (const groupId of ['acme', 'acme', 'globex']) {
      payroll.push(await parkRequest(store, { payload: { groupId }, actor: 't' }, { groupType: 'payroll', groupId }));
    }
    single = await parkRequest(store, { payload: '<x/>', actor: 't' }, { groupType: 'single' });
    await changeBatchStatus(store, { id: payroll[0].id, to: 'CANCELLED', actor: 't', action: 'cancel' });
  });
  after(async () => {
    await store.close();
  });

  it('lists batches by status, group type and group id, newest first, with paging', async () => {
    const all = (await runAdminAction(store, { action: 'list', payload: undefined, actor: 'a' })) as BatchPage;
    assert.deepEqual(all.batches.map((b) => b.id), [single.id, payroll[2].id, payroll[1].id, payroll[0].id]);
    const acmeNew = (await runAdminAction(store, { action: 'list', payload: { status: 'NEW', groupType: 'payroll', groupId: 'acme' }, actor: 'a' })) as BatchPage;
    assert.deepEqual(acmeNew.batches.map((b) => b.id), [payroll[1].id]);
    const page = (await runAdminAction(store, { action: 'list', payload: { status: ['NEW', 'CANCELLED'], limit: 2, offset: 1 }, actor: 'a' })) as BatchPage;
    assert.deepEqual([page.total, page.limit, page.offset, page.batches.map((b) => b.id)], [4, 2, 1, [payroll[2].id, payroll[1].id]]);
    await assert.rejects(runAdminAction(store, { action: 'list', payload: { status: 'DONE' }, actor: 'a' }), /unknown batch status "DONE": use NEW, SUBMITTED/);
  });

  it('gets one batch with its events, by msg.payload.id or msg.payload as the id', async () => {
    const detail = (await runAdminAction(store, { action: 'get', payload: { id: payroll[0].id }, actor: 'a' })) as BatchDetail;
    assert.equal(detail.batch.id, payroll[0].id);
    assert.deepEqual(detail.events.map((e) => e.action), ['registered', 'cancel']);
    const byNumber = (await runAdminAction(store, { action: 'get', payload: single.id, actor: 'a' })) as BatchDetail;
    assert.equal(byNumber.batch.payload, '<x/>');
    await assert.rejects(runAdminAction(store, { action: 'get', payload: 999_999, actor: 'a' }), NotFoundError);
  });

  it('retries and cancels through the action, recording the actor', async () => {
    const retried = (await runAdminAction(store, { action: 'retry', payload: { id: payroll[0].id, reason: 'resend' }, actor: 'alice' })) as BatchRow;
    assert.equal(retried.status, 'RETRY');
    const cancelled = (await runAdminAction(store, { action: 'cancel', payload: String(payroll[2].id), actor: 'bob' })) as BatchRow;
    assert.equal(cancelled.status, 'CANCELLED');
    const retryEvent = (await listEvents(store, { entity: 'batch', entityId: payroll[0].id })).at(-1)!;
    assert.deepEqual([retryEvent.action, retryEvent.actor, JSON.parse(retryEvent.detail!).reason], ['retry', 'alice', 'resend']);
    assert.equal((await listEvents(store, { entity: 'batch', entityId: payroll[2].id })).at(-1)!.actor, 'bob');
    await runAdminAction(store, { action: 'cancel', payload: payroll[0].id, actor: 't' });
    await runAdminAction(store, { action: 'retry', payload: payroll[2].id, actor: 't' });
    await runAdminAction(store, { action: 'cancel', payload: payroll[2].id, actor: 't' });
  });

  it('refuses a forbidden transition with the allowed statuses, and changes nothing', async () => {
    const before = await getBatch(store, single.id);
    await assert.rejects(runAdminAction(store, { action: 'retry', payload: single.id, actor: 'a' }), (error: unknown) => {
      assert.ok(error instanceof InvalidTransitionError);
      assert.equal(error.message, `batch ${single.id} is NEW: only FAILED, PROCESSED or CANCELLED batches can be retried`);
      return true;
    });
    assert.deepEqual(await getBatch(store, single.id), before);
  });

  it('counts batches by status and group type', async () => {
    const stats = (await runAdminAction(store, { action: 'stats', payload: undefined, actor: 'a' })) as BatchCounts;
    assert.equal(stats.total, 4);
    assert.deepEqual(stats.byStatus, { CANCELLED: 2, NEW: 2 });
    assert.deepEqual(stats.byGroupType, { payroll: { CANCELLED: 2, NEW: 1 }, single: { NEW: 1 } });
    const acme = (await runAdminAction(store, { action: 'stats', payload: { groupType: 'payroll', groupId: 'acme' }, actor: 'a' })) as BatchCounts;
    assert.deepEqual(acme.byStatus, { CANCELLED: 1, NEW: 1 });
  });

  it('refuses an unknown action and a missing or invalid id, saying what is expected', async () => {
    await assert.rejects(runAdminAction(store, { action: 'delete', payload: 1, actor: 'a' }), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /unknown action "delete": msg\.topic must be empty or park .* one of list, get, retry, cancel, stats/);
      return true;
    });
    for (const payload of [undefined, {}, { id: 'seven' }, -3, 1.5]) {
      await assert.rejects(
        runAdminAction(store, { action: 'cancel', payload, actor: 'a' }),
        (error: unknown) => error instanceof InvalidRequestError && /cancel needs a batch id: put it in msg\.payload\.id or send msg\.payload as the number/.test(error.message),
      );
    }
  });
});
