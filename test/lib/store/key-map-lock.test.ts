// The key map lock: one key-matched batch of a group type at a time, the older first, freed by the holder's
// end or its lease running out, and of many asking at once exactly one takes it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { changeBatchStatus, claimBatches, openStore, registerBatch, takeKeyMapLock, type BatchRow, type Store } from '../../../lib/store';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-lock';

describeEachDatabase('key map lock', (kind) => {
  let store: Store;
  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });

  /** Payload batches of a group type, claimed (in flight under OWNER's lease), in the order parked. */
  async function inFlight(groupType: string, count: number, leaseMs = 60_000): Promise<BatchRow[]> {
    const groupId = `${groupType}-${Math.random()}`;
    for (let i = 0; i < count; i += 1) await registerBatch(store, { groupType, groupId, kind: 'payload', payload: '{}', actor: 'test' });
    const claimed = await claimBatches(store, { owner: OWNER, leaseMs, limit: count, groupType, groupId });
    assert.equal(claimed.length, count);
    return claimed.sort((a, b) => a.id - b.id);
  }

  const batchHolder = (id: number) => ({ kind: 'batch', id }) as const;

  function end(batch: BatchRow): Promise<BatchRow> {
    return changeBatchStatus(store, { id: batch.id, to: 'FAILED', actor: OWNER, action: 'failed', reason: 'test' });
  }

  it('the oldest batch in flight takes it; the others wait for it, then for the holder', async () => {
    const [first, second, third] = await inFlight('contacts', 3);
    // The newest asks first: it waits for the oldest in flight, which has not asked yet.
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(third.id) }), { taken: false, waitingFor: batchHolder(first.id) });
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(first.id) }), { taken: true });
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(first.id) }), { taken: true }, 'the holder asking again keeps it');
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(second.id) }), { taken: false, waitingFor: batchHolder(first.id) });
    await end(first);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(third.id) }), { taken: false, waitingFor: batchHolder(second.id) });
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(second.id) }), { taken: true });
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(third.id) }), { taken: false, waitingFor: batchHolder(second.id) });
    await end(second);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'contacts', holder: batchHolder(third.id) }), { taken: true });
    const [lock] = await store.knex(store.tables.keyMapLock).where('group_type', 'contacts');
    assert.equal(Number(lock.batch_id), third.id);
  });

  it('a holder whose lease ran out (its runtime died) holds nothing', async () => {
    const [dead] = await inFlight('suppliers', 1, 60_000);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'suppliers', holder: batchHolder(dead.id) }), { taken: true });
    const [next] = await inFlight('suppliers', 1);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'suppliers', holder: batchHolder(next.id) }), { taken: false, waitingFor: batchHolder(dead.id) });
    // Past the dead batch's lease (and not past the next one's): the next batch takes the lock.
    const later = Number(dead.lease_until) + 1;
    assert.ok(later <= Number(next.lease_until));
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'suppliers', holder: batchHolder(next.id), now: later }), { taken: true });
  });

  it('group types do not wait for each other', async () => {
    const [a] = await inFlight('invoices', 1);
    const [b] = await inFlight('payments', 1);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'invoices', holder: batchHolder(a.id) }), { taken: true });
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'payments', holder: batchHolder(b.id) }), { taken: true });
  });

  it('of many batches asking at once for a lock nobody holds yet, exactly one takes it', async () => {
    for (let round = 0; round < 5; round += 1) {
      const groupType = `race-${round}`;
      const batches = await inFlight(groupType, 8);
      // Newest first, so the oldest is not simply the first to ask.
      const answers = await Promise.all(batches.reverse().map((batch) => takeKeyMapLock(store, { groupType, holder: batchHolder(batch.id) })));
      const takers = answers.filter((answer) => answer.taken);
      assert.equal(takers.length, 1, `round ${round}: ${JSON.stringify(answers)}`);
      assert.equal(answers[answers.length - 1].taken, true, 'the oldest takes it');
    }
  });

  it('an older batch claimed after a newer one took the lock (a retry) waits for it', async () => {
    const groupId = `retried-${Math.random()}`;
    const older = await registerBatch(store, { groupType: 'retried', groupId, kind: 'payload', payload: '{}', actor: 'test', parkedUntil: Date.now() + 60_000 });
    const [newer] = await inFlight('retried', 1);
    assert.ok(older.id < newer.id);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'retried', holder: batchHolder(newer.id) }), { taken: true });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'retried', groupId, now: Date.now() + 61_000 });
    assert.equal(claimed.id, older.id);
    assert.deepEqual(await takeKeyMapLock(store, { groupType: 'retried', holder: batchHolder(older.id) }), { taken: false, waitingFor: batchHolder(newer.id) });
  });
});
