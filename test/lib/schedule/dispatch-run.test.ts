import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { claimedBatchMessage, claimedErrorPayloadMessage } from '../../../lib/messages';
import { dispatchRun, type DispatchRunOptions } from '../../../lib/schedule';
import {
  ensureControl,
  getBatch,
  getControl,
  openStore,
  registerBatch,
  setPaused,
  setThrottle,
  type Store,
  type StoreConfig,
} from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig, withFreshStore } from '../../support/stores';

const run = (store: Store, options: Partial<DispatchRunOptions> = {}) =>
  dispatchRun(store, { mode: 'batches', dispatcher: 'd', owner: 'runtime-a', leaseMs: 60_000, defaults: { fetchSize: 10, maxInFlight: 100 }, ...options });

async function park(store: Store, count: number, fields: { groupType?: string; groupId?: string; parkedUntil?: number } = {}): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const batch = await registerBatch(store, { groupType: fields.groupType ?? 'hr', groupId: fields.groupId, kind: 'payload', payload: String(i), parkedUntil: fields.parkedUntil, actor: 't', now: 0 });
    ids.push(batch.id);
  }
  return ids;
}

async function insertErrorPayloads(store: Store, statuses: string[]): Promise<void> {
  const batch = await registerBatch(store, { groupType: 'hr', kind: 'payload', payload: 'x', actor: 't', now: 0 });
  await store.knex(store.tables.errorPayload).insert(
    statuses.map((status, index) => ({
      batch_id: batch.id, row_number: index + 1, group_type: 'hr', payload: '{}', idempotency_key: `bsync-${batch.id}-${index + 1}`,
      status, error_kind: 'permanent', created_at: 0, status_time: 0,
    })),
  );
}

interface WorkerResult {
  runs: number[];
  claimed: number[];
}

function runDispatchWorker(config: StoreConfig, owner: string, dispatcher: string, groupType: string, startAt: number): Promise<WorkerResult> {
  const worker = path.join(__dirname, '..', '..', 'support', 'dispatch-worker.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [worker, JSON.stringify(config), owner, dispatcher, groupType, String(startAt)], (error, stdout, stderr) => {
      if (error) reject(new Error(`${owner} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as WorkerResult);
    });
  });
}

describeEachDatabase('dispatchRun', (kind) => {
  const withStore = (test: (store: Store) => Promise<void>) => withFreshStore(kind, test);

  it('claims up to the fetch size of parked batches that are due, leased to this runtime', () =>
    withStore(async (store) => {
      const due = await park(store, 3);
      const [future] = await park(store, 1, { parkedUntil: Date.now() + 3_600_000 });
      await ensureControl(store, 'd', { fetchSize: 2, maxInFlight: 100 });
      const first = await run(store);
      assert.equal(first.mode, 'batches');
      assert.deepEqual(first.claimed.map((batch) => batch.id), due.slice(0, 2));
      const messages = first.claimed.map(claimedBatchMessage);
      assert.equal(messages[0].topic, 'batch');
      assert.equal(messages[0].payload.id, due[0]);
      assert.equal(messages[0].payload.status, 'SUBMITTED');
      assert.equal(messages[0].lease.owner, 'runtime-a');
      assert.ok(Date.parse(messages[0].lease.until ?? '') > Date.now(), 'the lease runs until an ISO time in the future');
      const second = await run(store);
      assert.deepEqual(second.claimed.map((batch) => batch.id), [due[2]], 'the batch parked in the future is left');
      assert.equal((await getBatch(store, future)).status, 'NEW');
    }));

  it('creates the control row from the defaults on the first run', () =>
    withStore(async (store) => {
      await park(store, 5);
      const result = await run(store, { dispatcher: 'fresh', defaults: { fetchSize: 4, maxInFlight: 9 } });
      assert.equal(result.claimed.length, 4);
      const control = await getControl(store, 'fresh');
      assert.equal(control.fetch_size, 4);
      assert.equal(control.max_in_flight, 9);
    }));

  it('claims nothing while paused and starts again once resumed', () =>
    withStore(async (store) => {
      const [id] = await park(store, 1);
      await ensureControl(store, 'd', { fetchSize: 10, maxInFlight: 10 });
      await setPaused(store, 'd', true, 'alice');
      const paused = await run(store);
      assert.equal(paused.control.paused, true);
      assert.deepEqual(paused.claimed, []);
      assert.equal((await getBatch(store, id)).status, 'NEW');
      await setPaused(store, 'd', false, 'alice');
      const resumed = await run(store);
      assert.deepEqual(resumed.claimed.map((batch) => batch.id), [id]);
    }));

  it('follows a throttle change from the next run on', () =>
    withStore(async (store) => {
      await park(store, 10);
      await ensureControl(store, 'd', { fetchSize: 10, maxInFlight: 100 });
      await setThrottle(store, 'd', { fetchSize: 2 }, 'alice');
      const throttled = await run(store);
      assert.equal(throttled.claimed.length, 2);
      assert.equal(throttled.control.fetch_size, 2);
      await setThrottle(store, 'd', { fetchSize: 5 }, 'alice');
      assert.equal((await run(store)).claimed.length, 5);
    }));

  it('keeps max in flight from the control row, for its group filter only', () =>
    withStore(async (store) => {
      await park(store, 6, { groupType: 'hr', groupId: 'bank' });
      await park(store, 2, { groupType: 'hr', groupId: 'other' });
      await ensureControl(store, 'd', { fetchSize: 10, maxInFlight: 3 });
      const first = await run(store, { groupType: 'hr', groupId: 'bank' });
      assert.equal(first.claimed.length, 3);
      assert.ok(first.claimed.every((batch) => batch.group_id === 'bank'));
      assert.equal((await run(store, { groupType: 'hr', groupId: 'bank' })).claimed.length, 0, 'three in flight already');
      await setThrottle(store, 'd', { maxInFlight: 4 }, 'alice');
      assert.equal((await run(store, { groupType: 'hr', groupId: 'bank' })).claimed.length, 1);
    }));

  it('in errors mode claims READY error payloads within fetch size and max in flight', () =>
    withStore(async (store) => {
      await insertErrorPayloads(store, ['READY', 'NEW', 'READY', 'READY', 'DISCARDED', 'READY']);
      const parked = await park(store, 2);
      await ensureControl(store, 'e', { fetchSize: 2, maxInFlight: 3 });
      const first = await run(store, { mode: 'errors', dispatcher: 'e' });
      if (first.mode !== 'errors') return assert.fail(`errors mode answered with ${first.mode}`);
      assert.deepEqual(first.claimed.map((row) => [row.row_number, row.status, row.lease_owner]), [
        [1, 'RESUBMITTED', 'runtime-a'],
        [3, 'RESUBMITTED', 'runtime-a'],
      ]);
      const messages = first.claimed.map(claimedErrorPayloadMessage);
      assert.equal(messages[0].topic, 'error-payload');
      assert.equal(messages[0].payload.rowNumber, 1);
      const second = await run(store, { mode: 'errors', dispatcher: 'e' });
      if (second.mode !== 'errors') return assert.fail(`errors mode answered with ${second.mode}`);
      assert.deepEqual(second.claimed.map((row) => row.row_number), [4], 'max in flight 3: one slot left');
      for (const id of parked) assert.equal((await getBatch(store, id)).status, 'NEW', 'errors mode leaves batches alone');
    }));

  it(
    'throttle and max-in-flight obeyed by two dispatchers sharing one MariaDB or PostgreSQL database',
    { skip: kind === 'sqlite' && 'two runtimes side by side need MariaDB or PostgreSQL', timeout: 120_000 },
    async () => {
      const config = await freshDatabaseConfig(kind);
      const setup = await openStore(config);
      try {
        const rows = Array.from({ length: 30 }, (_, i) => ({
          group_type: 'shared', kind: 'payload', payload: String(i), status: 'NEW', status_time: 0, parked_until: 0, created_at: 0, updated_at: 0,
        }));
        await setup.knex(setup.tables.batch).insert(rows);
        await ensureControl(setup, 'shared-dispatcher', { fetchSize: 3, maxInFlight: 4 });

        const startAt = Date.now() + 2_000;
        const workers = Promise.all(['runtime-1', 'runtime-2'].map((owner) => runDispatchWorker(config, owner, 'shared-dispatcher', 'shared', startAt)));
        let done = false;
        const samples: number[] = [];
        const sampling = (async () => {
          while (!done) {
            const [{ count }] = await setup.knex(setup.tables.batch).where('group_type', 'shared').whereIn('status', ['SUBMITTED', 'PROCESSING']).count({ count: '*' });
            samples.push(Number(count));
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        })();
        const results = await workers.finally(() => (done = true));
        await sampling;

        const busy = samples.filter((count) => count > 0);
        assert.ok(busy.length >= 10, `sampled the database while batches were in flight (${busy.length} samples)`);
        assert.ok(Math.max(...samples) <= 4, `never more than 4 in flight: saw ${Math.max(...samples)}`);
        for (const [index, result] of results.entries()) {
          assert.ok(Math.max(...result.runs) <= 3, `no run of worker ${index + 1} claimed more than 3: ${result.runs}`);
          assert.ok(result.claimed.length > 0, `worker ${index + 1} claimed some: ${results.map((r) => r.claimed.length)}`);
        }
        const all = results.flatMap((result) => result.claimed);
        assert.equal(all.length, 30, 'every batch claimed');
        assert.equal(new Set(all).size, 30, 'no batch claimed twice');
        const statuses = await setup.knex(setup.tables.batch).where('group_type', 'shared').distinct('status');
        assert.deepEqual(statuses.map((row: { status: string }) => row.status), ['PROCESSED']);
      } finally {
        await setup.close();
      }
    },
  );
});
