// A flaky downstream with Node-RED in its own process and the row-processor on its default retry
// settings: 30% of the requests answer 503, 5% answer 429 with Retry-After: 1, the rest are accepted.
// Expected: every row delivered once, no error payload, counters exact. The defaults (15 attempts) fail a
// row at 35% transient answers with p = 0.35^15 ≈ 1.5e-7: 3e-5 error payloads expected for these 200 rows
// (3 attempts, the defaults before, left about 0.35^3 ≈ 4% of them, ~9, as error payloads).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getBatch, listErrorPayloads, openStore } from '../../lib/store';
import { eventually } from '../support/node-red';
import { DEFAULT_SETTINGS } from '../../lib/processing';
import { dropBatch, LONG, RecordingApi, reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig } from '../support/stores';

const ROWS = LONG ? 2000 : 200;

/** A fixed sequence of answers rather than Math.random: each run meets the same mix (which row gets which answer still depends on timing). */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('a flaky API: 30% 503, 5% 429 with Retry-After: 1 (sqlite, default retry settings)', { timeout: 120_000 }, () => {
  let api: RecordingApi;
  before(async () => {
    api = await RecordingApi.start(5);
  });
  after(() => api?.stop());

  it('delivers every row once, with no error payload, on the default retry settings', async () => {
    const random = seededRandom(11);
    const answered = { ok: 0, unavailable: 0, tooMany: 0 };
    api.answer = () => {
      const draw = random();
      if (draw < 0.3) {
        answered.unavailable += 1;
        return { status: 503, body: { message: 'busy' } };
      }
      if (draw < 0.35) {
        answered.tooMany += 1;
        return { status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow down' } };
      }
      answered.ok += 1;
      return { status: 200, body: { status: 'SUCCESS' }, delayMs: 5 };
    };
    const config = await freshDatabaseConfig('sqlite');
    const store = await openStore(config);
    const { flows, credentials } = reliabilityFlow({ config, apiUrl: api.url });
    // The default retry settings of the node, not the test flow's quick ones.
    const processor = flows.find((node) => node.id === 'processor')!;
    for (const field of ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'windowRows', 'leaseTime']) delete processor[field];
    const runtime = await RuntimeProcess.start({ flows, credentials });
    try {
      const batchId = await dropBatch(runtime, store, ROWS);
      const batch = await eventually(
        async () => {
          const current = await getBatch(store, batchId);
          return ['PROCESSED', 'FAILED'].includes(current.status) && current;
        },
        `the batch to end\n${runtime.tail()}`,
        100_000,
      );
      const payloads = (await listErrorPayloads(store, { batchId, limit: 1000 })).errorPayloads;
      const failedKeys = payloads.map((payload) => payload.idempotency_key);
      console.log(`[reliability] flaky API, ${ROWS} rows, ${DEFAULT_SETTINGS.retry.maxAttempts} attempts: ${JSON.stringify(answered)}, ${batch.status}, error payloads ${payloads.length}, re-sends ${api.resends}`);
      const all = Array.from({ length: ROWS }, (_, i) => `bsync-${batchId}-${i + 1}`);
      assert.deepEqual([...api.accepted.keys(), ...failedKeys].sort(), all.sort(), 'each row either accepted or kept as an error payload, not both');
      assert.deepEqual(
        { status: batch.status, succeeded: batch.succeeded_rows, failed: batch.failed_rows, checkpoint: batch.checkpoint_row },
        { status: payloads.length === 0 ? 'PROCESSED' : 'FAILED', succeeded: api.accepted.size, failed: payloads.length, checkpoint: ROWS },
      );
      assert.deepEqual(payloads.map((payload) => [payload.row_number, payload.error]), [], 'no row used up its attempts');
      assert.equal(batch.status, 'PROCESSED');
      assert.ok(answered.unavailable > ROWS * 0.2 && answered.tooMany > 0, `the API was as flaky as intended: ${JSON.stringify(answered)}`);
      assert.equal(api.resends, 0, 'no row accepted twice');
    } finally {
      await runtime.stop();
      await store.close();
    }
  });
});
