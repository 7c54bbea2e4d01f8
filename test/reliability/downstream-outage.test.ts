// The downstream down mid-batch, with Node-RED in its own process: first answering 503 to everything,
// then refusing connections (its server stopped, started again on the same port). Expected of both: the
// breaker opens (`circuit-open`), the batch waits parked (ERROR_RETRY) instead of hammering the dead API,
// and once the API is healthy the batch ends PROCESSED with every row accepted and no error payload.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../lib/store';
import { eventually } from '../support/node-red';
import { assertDeliveredExactly, batchEvents, CONCURRENCY, dropBatch, LONG, RecordingApi, reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig } from '../support/stores';

const ROWS = 1000;
const OUTAGE_MS = LONG ? 60_000 : 20_000;
const BREAKER_THRESHOLD = 10;
const MAX_ATTEMPTS = 3;
const ERROR_RETRY_DELAY_S = 5;

describe(`the downstream down for ${OUTAGE_MS / 1000} s mid-batch (sqlite)`, { timeout: 180_000 }, () => {
  let api: RecordingApi;
  let runtime: RuntimeProcess;
  let store: Store;
  let batchId: number;

  before(async () => {
    api = await RecordingApi.start(10);
  });
  after(() => api?.stop());

  async function startMidBatch(): Promise<void> {
    api.accepted.clear();
    api.healthy(10);
    const config = await freshDatabaseConfig('sqlite');
    store = await openStore(config);
    const { flows, credentials } = reliabilityFlow({
      config, apiUrl: api.url, leaseSeconds: 30, maxAttempts: MAX_ATTEMPTS, baseDelayMs: 50, maxDelayMs: 200,
      breakerThreshold: BREAKER_THRESHOLD, errorRetryDelay: ERROR_RETRY_DELAY_S, timeoutMs: 2000,
    });
    runtime = await RuntimeProcess.start({ flows, credentials });
    batchId = await dropBatch(runtime, store, ROWS);
    await eventually(() => api.accepted.size >= 200, `rows to flow\n${runtime.tail()}`, 30_000);
  }

  async function finish(): Promise<void> {
    await runtime?.stop();
    await store?.close();
  }

  it('503 to everything: the breaker opens, few requests reach the dead API, PROCESSED after', async () => {
    await startMidBatch();
    try {
      const downFrom = api.server.requests.length;
      api.answer = () => ({ status: 503, body: { message: 'down for maintenance' } });
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      const whileDown = api.server.requests.length - downFrom;
      api.healthy(10);
      await assertDeliveredExactly(store, api, batchId, ROWS, runtime);
      const events = await batchEvents(store, batchId);
      const opened = events.filter((action) => action === 'circuit-open').length;
      // Each try of the parked batch meets the breaker's threshold of failures, plus the requests that
      // were already in flight when it opened (measured: 44 requests in 4 tries of a 20 s outage).
      const tries = Math.ceil(OUTAGE_MS / (ERROR_RETRY_DELAY_S * 1000)) + 1;
      const bound = tries * (BREAKER_THRESHOLD + CONCURRENCY);
      console.log(`[reliability] 503 for ${OUTAGE_MS} ms: ${whileDown} requests while down (bound ${bound}), circuit-open ×${opened}, re-sends ${api.resends}`);
      assert.ok(opened >= 1, `the breaker opened: ${events.join(', ')}`);
      assert.ok(events.filter((action) => action === 'claimed').length > opened, `the parked batch was taken up again after each opening: ${events.join(', ')}`);
      assert.ok(whileDown <= bound, `${whileDown} requests reached the dead API (bound ${bound})`);
      assert.equal(api.resends, 0, 'a 503 is not an acceptance: no row delivered twice');
    } finally {
      await finish();
    }
  });

  it('connections refused (the API stopped, started again on its port): the breaker opens, PROCESSED after', async () => {
    await startMidBatch();
    try {
      await api.down();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await api.up();
      await assertDeliveredExactly(store, api, batchId, ROWS, runtime);
      const events = await batchEvents(store, batchId);
      console.log(`[reliability] refused for ${OUTAGE_MS} ms: circuit-open ×${events.filter((action) => action === 'circuit-open').length}, re-sends ${api.resends}`);
      assert.ok(events.includes('circuit-open'), `the breaker opened: ${events.join(', ')}`);
      // Stopping the server cut the connections of the requests in flight: the API may have accepted
      // those without the answer arriving, so they may be sent again, with their own keys.
      assert.ok(api.resends <= CONCURRENCY, `at most the rows in flight were sent again (${api.resends})`);
    } finally {
      await finish();
    }
  });
});
