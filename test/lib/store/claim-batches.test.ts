import assert from 'node:assert/strict';
import { it } from 'node:test';
import { claimBatches, getBatch, listEvents, openStore, registerBatch, type Store } from '../../../lib/store';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { StoreConfig } from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig, withFreshStore } from '../../support/stores';

function runClaimWorker(config: StoreConfig, owner: string, groupType: string, startAt: number): Promise<number[]> {
  const worker = path.join(__dirname, '..', '..', 'support', 'claim-worker.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, JSON.stringify(config), owner, groupType, String(startAt)], (error, stdout, stderr) => {
      if (error) reject(new Error(`${owner} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

describeEachDatabase('claimBatches', (kind) => {
  const withStore = (test: (store: Store) => Promise<void>) => withFreshStore(kind, test);

  it('claims parked batches whose parking time is over, by priority then id, and sets a lease', () =>
    withStore(async (store) => {
      const low = await registerBatch(store, { groupType: 'g', kind: 'payload', payload: '1', actor: 't', now: 0 });
      const high = await registerBatch(store, { groupType: 'g', kind: 'payload', payload: '2', priority: 5, actor: 't', now: 0 });
      const later = await registerBatch(store, { groupType: 'g', kind: 'payload', payload: '3', parkedUntil: 10_000, actor: 't', now: 0 });
      const claimed = await claimBatches(store, { owner: 'runtime-a', leaseMs: 60_000, limit: 10, now: 1_000 });
      assert.deepEqual(claimed.map((batch) => batch.id), [high.id, low.id]);
      for (const batch of claimed) {
        assert.equal(batch.status, 'SUBMITTED');
        assert.equal(batch.lease_owner, 'runtime-a');
        assert.equal(batch.lease_until, 61_000);
        assert.equal(batch.attempts, 1);
      }
      assert.equal((await getBatch(store, later.id)).status, 'NEW', 'still parked');
      const events = await listEvents(store, { entity: 'batch', entityId: low.id });
      assert.deepEqual(events.map((event) => event.action), ['registered', 'claimed']);
    }));

  it('takes at most the fetch size and filters by group type and group id', () =>
    withStore(async (store) => {
      for (let i = 0; i < 4; i += 1) await registerBatch(store, { groupType: 'a', groupId: 'x', kind: 'payload', payload: '1', actor: 't', now: 0 });
      const other = await registerBatch(store, { groupType: 'a', groupId: 'y', kind: 'payload', payload: '1', actor: 't', now: 0 });
      await registerBatch(store, { groupType: 'b', kind: 'payload', payload: '1', actor: 't', now: 0 });
      const first = await claimBatches(store, { owner: 'r', leaseMs: 1000, limit: 3, groupType: 'a', groupId: 'x', now: 1 });
      assert.equal(first.length, 3);
      const second = await claimBatches(store, { owner: 'r', leaseMs: 1000, limit: 3, groupType: 'a', groupId: 'x', now: 1 });
      assert.equal(second.length, 1);
      assert.ok(second.every((batch) => batch.group_type === 'a' && batch.group_id === 'x'));
      assert.equal((await getBatch(store, other.id)).status, 'NEW');
    }));

  it('never exceeds max in flight, counting live leases in the database', () =>
    withStore(async (store) => {
      for (let i = 0; i < 6; i += 1) await registerBatch(store, { groupType: 'm', kind: 'payload', payload: '1', actor: 't', now: 0 });
      const first = await claimBatches(store, { owner: 'r1', leaseMs: 1000, limit: 10, maxInFlight: 2, groupType: 'm', now: 10 });
      assert.equal(first.length, 2);
      const none = await claimBatches(store, { owner: 'r2', leaseMs: 1000, limit: 10, maxInFlight: 2, groupType: 'm', now: 20 });
      assert.equal(none.length, 0);
      // Once the leases have run out, those batches no longer count and are claimable again.
      const again = await claimBatches(store, { owner: 'r2', leaseMs: 1000, limit: 10, maxInFlight: 2, groupType: 'm', now: 5_000 });
      assert.equal(again.length, 2);
      assert.deepEqual(again.map((batch) => batch.id), first.map((batch) => batch.id), 'expired leases first: they have the lowest ids');
      const reclaimed = await listEvents(store, { entity: 'batch', entityId: first[0].id });
      assert.equal(reclaimed.at(-1)?.action, 'lease-expired-reclaimed');
      assert.equal(JSON.parse(reclaimed.at(-1)!.detail!).previousLeaseOwner, 'r1');
      assert.equal(again[0].attempts, 2);
    }));

  it('claims every batch exactly once with 4 concurrent claimers over 200 parked batches', { timeout: 120_000 }, async () => {
    const config = await freshDatabaseConfig(kind);
    const setup = await openStore(config);
    try {
      const rows = Array.from({ length: 200 }, (_, i) => ({
        group_type: 'race', kind: 'payload', payload: String(i), status: 'NEW', status_time: 0, parked_until: 0, created_at: 0, updated_at: 0,
      }));
      for (let start = 0; start < rows.length; start += 50) await setup.knex(setup.tables.batch).insert(rows.slice(start, start + 50));
      // Four processes with their own pools, as four Node-RED runtimes sharing one database would be.
      const startAt = Date.now() + 2_000;
      const claimedBy = await Promise.all([0, 1, 2, 3].map((index) => runClaimWorker(config, `runtime-${index}`, 'race', startAt)));
      const all = claimedBy.flat();
      assert.equal(all.length, 200, 'every batch claimed');
      assert.equal(new Set(all).size, 200, 'no batch claimed twice');
      const owners = await setup.knex(setup.tables.batch).where('group_type', 'race').select('id', 'lease_owner', 'attempts');
      for (const row of owners) {
        const index = claimedBy.findIndex((ids) => ids.includes(Number(row.id)));
        assert.equal(row.lease_owner, `runtime-${index}`);
        assert.equal(Number(row.attempts), 1);
      }
      if (kind !== 'sqlite') {
        // SKIP LOCKED lets claimers work side by side; SQLite serializes them on its write lock, where one
        // runtime may well take everything while the others wait in the busy handler.
        assert.ok(claimedBy.filter((ids) => ids.length > 0).length > 1, `claimers ran side by side: ${claimedBy.map((ids) => ids.length)}`);
      }
    } finally {
      await setup.close();
    }
  });
});
