import assert from 'node:assert/strict';
import type { BatchView } from '../../lib/messages';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { getBatch, getControl, listEvents, registerBatch, type BatchRow, type ControlRow } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import scheduledDispatcher from '../../nodes/scheduled-dispatcher/scheduled-dispatcher';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

// Node-RED's node objects, as far as these tests use them.
interface TestNode {
  receive(msg: Record<string, unknown>): void;
  on(event: string, listener: (value: never) => void): void;
  status: { lastCall?: { args: unknown[] } };
}

interface Received {
  topic?: string;
  payload: unknown;
  lease?: { owner: string; until: number };
}

/** Never fires during a test: the tests trigger runs with messages. */
const NEVER_DURING_TEST = '0 0 0 1 1 *';

async function deploy(dispatcher: Record<string, unknown>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-dispatcher-'));
  await loadFlow(
    [batchStore, scheduledDispatcher],
    [
      { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(dir, 'bsync.sqlite') },
      { id: 'd1', type: 'scheduled-dispatcher', store: 's1', cron: NEVER_DURING_TEST, fetchSize: 10, maxInFlight: 100, leaseSeconds: 60, wires: [['claimed'], ['answers']], ...dispatcher },
      { id: 'claimed', type: 'helper' },
      { id: 'answers', type: 'helper' },
    ],
  );
  const store = helper.getNode('s1') as unknown as BatchStoreNode;
  const node = helper.getNode('d1') as unknown as TestNode;
  const claimed: Received[] = [];
  const answers: Received[] = [];
  (helper.getNode('claimed') as unknown as TestNode).on('input', ((msg: Received) => claimed.push(msg)) as (value: never) => void);
  (helper.getNode('answers') as unknown as TestNode).on('input', ((msg: Received) => answers.push(msg)) as (value: never) => void);
  const park = (count: number, parkedUntil?: number) =>
    store.use(async (db) => {
      const ids: number[] = [];
      for (let i = 0; i < count; i += 1) ids.push((await registerBatch(db, { groupType: 'hr', kind: 'payload', payload: String(i), parkedUntil, actor: 't' })).id);
      return ids;
    });
  /** Sends an admin message and waits for its answer on the second output. */
  const ask = async (msg: Record<string, unknown>) => {
    const before = answers.length;
    node.receive(msg);
    return (await eventually(() => answers[before], `an answer to ${String(msg.topic)}`)).payload as ControlRow & Record<string, unknown>;
  };
  return { store, node, claimed, answers, park, ask };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduled-dispatcher node', () => {
  afterEach(unloadFlow);

  it('runs on an input message and emits one message per parked batch, none for batches parked in the future', async () => {
    const { store, node, claimed, park } = await deploy({});
    const due = await park(3);
    const [future] = await park(1, Date.now() + 3_600_000);
    node.receive({ payload: 'run now' });
    await eventually(() => claimed.length === 3, 'three claimed batches');
    await sleep(300);
    assert.equal(claimed.length, 3, 'nothing more');
    assert.deepEqual(claimed.map((msg) => (msg.payload as unknown as BatchView).id), due);
    for (const msg of claimed) {
      const view = msg.payload as unknown as BatchView;
      assert.equal(msg.topic, 'batch');
      assert.equal(view.status, 'SUBMITTED');
      assert.match(msg.lease!.owner, /:d1$/);
      assert.equal(msg.lease!.owner, view.leaseOwner);
      assert.ok(Date.parse(String(msg.lease!.until)) > Date.now() + 50_000, 'lease time of 60 s, as an ISO time');
    }
    assert.equal((await store.use((db) => getBatch(db, future))).status, 'NEW');
    await eventually(() => /^next run \d\d:\d\d:\d\d · 3 in flight$/.test(lastStatus(node as never).text ?? ''), 'the status with 3 in flight');
  });

  it('creates its control row on deploy with the configured throttle', async () => {
    const { store } = await deploy({ fetchSize: 7, maxInFlight: 3, groupType: 'hr' });
    const control = await eventually(() => store.use((db) => getControl(db, 'batches:hr:*')).catch(() => undefined), 'the control row');
    assert.equal(control.fetch_size, 7);
    assert.equal(control.max_in_flight, 3);
  });

  it('pause, resume and throttle topics change the control row and record who asked', async () => {
    const { store, node, claimed, park, ask } = await deploy({ dispatcher: 'payroll' });
    await park(5);
    const paused = await ask({ topic: 'pause', user: 'alice' });
    assert.equal(paused.paused, true);
    await eventually(() => /paused/.test(lastStatus(node as never).text ?? ''), 'a paused status');
    node.receive({});
    await sleep(300);
    assert.equal(claimed.length, 0, 'a paused dispatcher claims nothing');

    const throttled = await ask({ topic: 'throttle', payload: { fetchSize: 2 }, user: { username: 'bob' } });
    assert.equal(throttled.fetchSize, 2);
    const resumed = await ask({ topic: 'resume', user: 'carol' });
    assert.equal(resumed.paused, false);
    node.receive({});
    await eventually(() => claimed.length === 2, 'two claimed batches: the new fetch size');
    await sleep(200);
    assert.equal(claimed.length, 2);

    const status = await ask({ topic: 'status' });
    assert.equal(status.dispatcher, 'payroll');
    assert.equal(status.fetchSize, 2);
    assert.equal(status.inFlight, 2);
    assert.ok(Date.parse(String(status.nextRun)) > Date.now() - 1000, 'the next run as an ISO time');
    assert.equal(status.paused, false);

    const events = await store.use((db) => listEvents(db, { entity: 'control', entityId: 'payroll' }));
    assert.deepEqual(events.map((event) => [event.action, event.actor]), [
      ['pause', 'alice'],
      ['throttle', 'bob'],
      ['resume', 'carol'],
    ]);
    assert.deepEqual(JSON.parse(events[1].detail!), { before: { fetch_size: 10 }, after: { fetch_size: 2 } });
  });

  it('refuses a bad throttle with done(err) and leaves the control row as it was', async () => {
    const { store, node } = await deploy({ dispatcher: 'payroll' });
    const failed = new Promise<unknown[]>((resolve) => node.on('call:error', ((call: { args: unknown[] }) => resolve(call.args)) as (value: never) => void));
    node.receive({ topic: 'throttle', payload: { fetchSize: 0 }, user: 'alice' });
    const [error] = await failed;
    assert.match(String((error as Error).message ?? error), /fetchSize must be a whole number from 1/);
    assert.equal((await store.use((db) => getControl(db, 'payroll'))).fetch_size, 10);
    assert.deepEqual(await store.use((db) => listEvents(db, { entity: 'control' })), []);
  });

  it("shows an invalid cron expression in red with croner's reason and schedules nothing", async () => {
    const { node, ask } = await deploy({ cron: '61 * * * *' });
    await eventually(() => {
      const status = lastStatus(node as never);
      return status.fill === 'red' && /Invalid value for minute: 61/.test(status.text ?? '');
    }, "a red status with croner's reason");
    const status = await ask({ topic: 'status' });
    assert.equal(status.nextRun, null);
  });

  it('fires on its cron schedule', { timeout: 15_000 }, async () => {
    const { claimed, park } = await deploy({ cron: '*/1 * * * * *' });
    const [id] = await park(1);
    await eventually(() => claimed.length === 1, 'a message from a cron tick', 2_500);
    assert.equal((claimed[0].payload as unknown as BatchView).id, id);
  });
});
