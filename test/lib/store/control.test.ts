import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InvalidRequestError, NotFoundError } from '../../../lib/errors';
import {
  countInFlight,
  ensureControl,
  findControl,
  getControl,
  listEvents,
  registerBatch,
  claimBatches,
  setPaused,
  setThrottle,
  type Store,
} from '../../../lib/store';
import { describeEachDatabase, withFreshStore } from '../../support/stores';

describeEachDatabase('control store operations', (kind) => {
  const withStore = (test: (store: Store) => Promise<void>) => withFreshStore(kind, test);

  it('ensureControl creates the row once and keeps an admin change through a redeploy', () =>
    withStore(async (store) => {
      assert.equal(await findControl(store, 'd1'), undefined);
      await assert.rejects(getControl(store, 'd1'), NotFoundError);
      const created = await ensureControl(store, 'd1', { fetchSize: 10, maxInFlight: 5 }, 1_000);
      assert.deepEqual(created, { dispatcher: 'd1', fetch_size: 10, max_in_flight: 5, paused: false, updated_by: null, updated_at: 1_000 });
      await setThrottle(store, 'd1', { fetchSize: 3 }, 'alice', 2_000);
      const redeployed = await ensureControl(store, 'd1', { fetchSize: 10, maxInFlight: 5 }, 3_000);
      assert.equal(redeployed.fetch_size, 3, 'the admin value survives');
      assert.equal(redeployed.updated_by, 'alice');
      assert.deepEqual(await getControl(store, 'd1'), redeployed);
    }));

  it('setThrottle changes fetch size and max in flight and records before, after and who', () =>
    withStore(async (store) => {
      await ensureControl(store, 'd1', { fetchSize: 10, maxInFlight: 5 });
      const after = await setThrottle(store, 'd1', { fetchSize: 2, maxInFlight: 7 }, 'alice', 5_000);
      assert.equal(after.fetch_size, 2);
      assert.equal(after.max_in_flight, 7);
      assert.equal(after.updated_by, 'alice');
      assert.equal(after.updated_at, 5_000);
      const onlyMax = await setThrottle(store, 'd1', { maxInFlight: 1 }, 'bob', 6_000);
      assert.equal(onlyMax.fetch_size, 2, 'fetch size untouched');
      assert.equal(onlyMax.max_in_flight, 1);

      const events = await listEvents(store, { entity: 'control', entityId: 'd1' });
      assert.deepEqual(events.map((event) => [event.action, event.actor, event.created_at]), [
        ['throttle', 'alice', 5_000],
        ['throttle', 'bob', 6_000],
      ]);
      assert.deepEqual(JSON.parse(events[0].detail!), {
        before: { fetch_size: 10, max_in_flight: 5 },
        after: { fetch_size: 2, max_in_flight: 7 },
      });
      assert.deepEqual(JSON.parse(events[1].detail!), { before: { max_in_flight: 7 }, after: { max_in_flight: 1 } });
    }));

  it('setPaused pauses and resumes with a pause and a resume event', () =>
    withStore(async (store) => {
      await ensureControl(store, 'd1', { fetchSize: 10, maxInFlight: 5 });
      assert.equal((await setPaused(store, 'd1', true, 'alice')).paused, true);
      assert.equal((await getControl(store, 'd1')).paused, true);
      assert.equal((await setPaused(store, 'd1', false, 'bob')).paused, false);
      const events = await listEvents(store, { entity: 'control', entityId: 'd1' });
      assert.deepEqual(events.map((event) => [event.action, event.actor, JSON.parse(event.detail!)]), [
        ['pause', 'alice', { before: { paused: false }, after: { paused: true } }],
        ['resume', 'bob', { before: { paused: true }, after: { paused: false } }],
      ]);
    }));

  it('refuses values that are not positive whole numbers, and changes nothing', () =>
    withStore(async (store) => {
      await ensureControl(store, 'd1', { fetchSize: 10, maxInFlight: 5 });
      for (const bad of [0, -1, 1.5, '3', null, Number.NaN, 10_000_000]) {
        await assert.rejects(setThrottle(store, 'd1', { fetchSize: bad as number }, 'alice'), (error: unknown) => {
          assert.ok(error instanceof InvalidRequestError);
          assert.match(error.message, /fetchSize must be a whole number from 1/);
          return true;
        });
      }
      await assert.rejects(setThrottle(store, 'd1', { maxInFlight: 0 }, 'alice'), /maxInFlight must be a whole number/);
      await assert.rejects(setThrottle(store, 'd1', {}, 'alice'), /needs fetchSize, maxInFlight or both/);
      await assert.rejects(ensureControl(store, 'd2', { fetchSize: 0, maxInFlight: 5 }), InvalidRequestError);
      await assert.rejects(setThrottle(store, 'missing', { fetchSize: 1 }, 'alice'), NotFoundError);
      await assert.rejects(setPaused(store, 'missing', true, 'alice'), NotFoundError);
      assert.deepEqual(await listEvents(store, { entity: 'control' }), []);
      assert.equal((await getControl(store, 'd1')).fetch_size, 10);
      assert.equal(await findControl(store, 'd2'), undefined);
    }));

  it('countInFlight counts live leases of the group filter only', () =>
    withStore(async (store) => {
      for (const groupType of ['a', 'a', 'a', 'b']) await registerBatch(store, { groupType, kind: 'payload', payload: '1', actor: 't', now: 0 });
      await claimBatches(store, { owner: 'r', leaseMs: 1_000, limit: 2, groupType: 'a', now: 10 });
      await claimBatches(store, { owner: 'r', leaseMs: 1_000, limit: 1, groupType: 'b', now: 10 });
      assert.equal(await countInFlight(store, { groupType: 'a', now: 500 }), 2);
      assert.equal(await countInFlight(store, { now: 500 }), 3);
      assert.equal(await countInFlight(store, { now: 5_000 }), 0, 'leases that ran out no longer count');
      assert.equal(await countInFlight(store, { source: 'errors', now: 500 }), 0);
    }));
});
