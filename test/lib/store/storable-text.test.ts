import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { InvalidRequestError } from '../../../lib/errors';
import { claimBatches, getBatch, listBatches, listErrorPayloads, registerBatch, writeCheckpointWindow, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

// What a downstream may answer: a zip's first bytes, NULs among them.
const BINARY_ANSWER = 'PK\u0003\u0004\u0000\u0000 not JSON';

describeEachDatabase('texts holding NUL characters', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
  });
  after(async () => {
    await store.close();
  });

  it('settles a row whose downstream answer holds NUL bytes, keeping the answer (on PostgreSQL with U+FFFD for each NUL)', async () => {
    const batch = await registerBatch(store, { groupType: 'nul', kind: 'payload', payload: '{}', actor: 't', now: 0 });
    await claimBatches(store, { owner: 'r', leaseMs: 60_000, limit: 1, groupType: 'nul', now: 1 });
    await writeCheckpointWindow(store, {
      batchId: batch.id, groupType: 'nul', groupId: null, owner: 'r', checkpointRow: 1, processed: 1, succeeded: 0, failed: 1,
      failures: [{ rowNumber: 1, payload: '{}', originalPayload: '{}', idempotencyKey: `bsync-${batch.id}-1`, errorKind: 'permanent', httpStatus: 400, error: 'HTTP 400 Bad Request', errorDetail: BINARY_ANSWER }],
      resolvedRows: [], leaseUntil: 60_000, now: 2,
    });
    const [stored] = (await listErrorPayloads(store, { batchId: batch.id })).errorPayloads;
    assert.equal(stored.error_detail, kind === 'postgres' ? 'PK\u0003\u0004\uFFFD\uFFFD not JSON' : BINARY_ANSWER);
    const settled = await getBatch(store, batch.id);
    assert.deepEqual([settled.checkpoint_row, settled.failed_rows], [1, 1], 'the window was written with its counters');
  });

  it('keeps a single payload holding a NUL as it is, or on PostgreSQL refuses it in plain words and parks nothing', async () => {
    const payload = 'a\u0000b';
    if (kind === 'postgres') {
      await assert.rejects(
        registerBatch(store, { groupType: 'nul-payload', kind: 'payload', payload, actor: 't' }),
        (error: unknown) => error instanceof InvalidRequestError && error.message === 'the payload holds a NUL character (U+0000) at character 2, which a PostgreSQL batch store cannot keep',
      );
      assert.equal((await listBatches(store, { groupType: 'nul-payload' })).total, 0);
    } else {
      const batch = await registerBatch(store, { groupType: 'nul-payload', kind: 'payload', payload, actor: 't' });
      assert.equal((await getBatch(store, batch.id)).payload, payload);
    }
  });
});
