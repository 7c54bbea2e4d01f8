// A run whose lease ran out (its database away longer than the lease) may find its batch claimed again by its
// own runtime, under the same owner. The claim's attempt tells the two runs apart: the old run's window and
// lease renewal are refused, so its rows are not counted a second time beside the new run's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { CheckpointTracker } from '../../../lib/processing/checkpoint-tracker';
import { settleWindow } from '../../../lib/processing/settle-window';
import { claimBatches, getBatch, LeaseLostError, listEvents, openStore, renewLease, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, writeCsv, type Folders } from '../../support/batch-fixture';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-a';

describeEachDatabase('a later claim of the same runtime', (kind) => {
  let store: Store;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    folders = makeFolders();
  });
  after(async () => {
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  const windowOfRows = (from: number, to: number) => {
    const tracker = new CheckpointTracker(from - 1);
    for (let row = from; row <= to; row += 1) tracker.settle(row, { ok: true, key: `bsync-1-${row}` });
    return tracker.takeWindow(false);
  };

  it("refuses the old run's window and renewal once the batch was claimed again under the same owner", async () => {
    writeCsv(folders, 'twice.csv', [HEADER, employeeRow(1), employeeRow(2), employeeRow(3), employeeRow(4)]);
    const firstClaim = await parkAndClaim(store, folders, 'twice.csv', OWNER, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const [secondClaim] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: firstClaim.group_type, groupId: 'twice.csv' });
    assert.equal(secondClaim?.id, firstClaim.id, 'the lease ran out: the same runtime claims the batch again');
    assert.equal(secondClaim.attempts, firstClaim.attempts + 1);
    assert.ok((await listEvents(store, { batchId: firstClaim.id })).some((event) => event.action === 'lease-expired-reclaimed'));

    const windows = { store, owner: OWNER, leaseMs: 60_000, earlierFailures: new Map() };
    await assert.rejects(settleWindow(windows, firstClaim, windowOfRows(1, 2)), (error: unknown) => error instanceof LeaseLostError && /a later claim/.test((error as Error).message));
    assert.deepEqual([(await getBatch(store, firstClaim.id)).processed_rows, (await getBatch(store, firstClaim.id)).checkpoint_row], [0, 0], 'nothing of the old run is written');
    assert.equal(await renewLease(store, firstClaim.id, OWNER, Date.now() + 60_000, Date.now(), firstClaim.attempts), false, "the old run's renewal is refused");

    await settleWindow(windows, secondClaim, windowOfRows(1, 4));
    const batch = await getBatch(store, firstClaim.id);
    assert.deepEqual([batch.processed_rows, batch.succeeded_rows, batch.checkpoint_row], [4, 4, 4], "the new run's window counts once");
    assert.equal(await renewLease(store, firstClaim.id, OWNER, Date.now() + 60_000, Date.now(), secondClaim.attempts), true);
  });
});
