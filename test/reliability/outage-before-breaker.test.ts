// A row that used up its attempts during an outage, before the breaker had counted its threshold of failures
// in a row: the downstream was already down, so the row must be sent again once the batch resumes, not kept
// as an error payload. The race: a checkpoint window written between that row's last failure and the breaker's
// opening wrote it as a failed row, and the batch ended FAILED though the API came back.
//
// Both cases lose that race on purpose. In the first, every answer is a 503 that takes 300 ms, and the
// processor sends one row at a time with 3 attempts and a breaker of 10: row 1 has failed 3 times after about
// 1 s, the breaker opens at the 10th failure, after at least 3 s, and the window's time bound (1 s after the
// first unwritten settled row) falls in between. The second is downstream-outage's refused connections with a
// window per settled row, so the window of a row that gave up is written at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SETTINGS } from '../../lib/processing';
import { getBatch, listErrorPayloads, listEvents, openStore, type Store } from '../../lib/store';
import { eventually } from '../support/node-red';
import { assertDeliveredExactly, dropBatch, RecordingApi, reliabilityFlow, type FlowOptions } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig } from '../support/stores';

const ROWS = 20;
const MAX_ATTEMPTS = 3;
const BREAKER_THRESHOLD = 10;
const SLOW_FAILURE_MS = 300;

describe('rows that used up their attempts before the breaker opened (sqlite)', { timeout: 120_000 }, () => {
  let api: RecordingApi;
  /** The runtime of the case under way and the store it works on (the test reads it from outside). */
  let running: { runtime: RuntimeProcess; store: Store } | undefined;

  before(async () => {
    api = await RecordingApi.start(5);
  });
  after(async () => {
    await finish();
    await api?.stop();
  });

  /** A runtime on a fresh SQLite store, `options` on the reliability flow; the one before stopped. */
  async function startRuntime(options: Omit<FlowOptions, 'config' | 'apiUrl'>): Promise<{ runtime: RuntimeProcess; store: Store }> {
    await finish();
    const config = await freshDatabaseConfig('sqlite');
    const store = await openStore(config);
    const { flows, credentials } = reliabilityFlow({ config, apiUrl: api.url, ...options });
    running = { store, runtime: await RuntimeProcess.start({ flows, credentials }) };
    return running;
  }

  async function finish(): Promise<void> {
    const ending = running;
    running = undefined;
    await ending?.runtime.stop();
    await ending?.store.close();
  }

  /** The batch ends PROCESSED, without an error payload, every row delivered exactly once; then the runtime stops. */
  async function assertProcessedOnce(runtime: RuntimeProcess, store: Store, batchId: number, rows: number): Promise<void> {
    // FAILED is an end too: waiting for it spares the minute of waiting for a PROCESSED that cannot come.
    const ended = await eventually(async () => {
      const batch = await getBatch(store, batchId);
      return batch.status === 'PROCESSED' || batch.status === 'FAILED' ? batch : undefined;
    }, `the batch to end\n${runtime.tail()}`, 60_000);
    const payloads = await listErrorPayloads(store, { batchId });
    assert.equal(ended.status, 'PROCESSED', `the batch ended ${ended.status} (${ended.error}); error payloads: ${payloads.errorPayloads.map((payload) => `row ${payload.row_number}: ${payload.error}`).join('; ')}`);
    await assertDeliveredExactly(store, api, batchId, rows, runtime);
    await finish();
  }

  it('are sent again when the batch resumes: PROCESSED, no error payload', async () => {
    api.answer = () => ({ status: 503, body: { message: 'down for maintenance' }, delayMs: SLOW_FAILURE_MS });
    const { runtime, store } = await startRuntime({
      leaseSeconds: 30, concurrency: 1, windowRows: 100, maxAttempts: MAX_ATTEMPTS, baseDelayMs: 50, maxDelayMs: 100,
      breakerThreshold: BREAKER_THRESHOLD, errorRetryDelay: 1, timeoutMs: 5000,
    });
    const batchId = await dropBatch(runtime, store, ROWS);
    const opened = () => listEvents(store, { entity: 'batch', entityId: batchId }).then((events) => events.find((event) => event.action === 'circuit-open'));
    await eventually(opened, `the breaker to open\n${runtime.tail()}`, 30_000);

    // The losing interleaving took place: row 1 failed its last attempt more than a window's time bound
    // before the request that made the breaker's threshold was answered.
    const whileDown = [...api.server.requests];
    const firstRow = whileDown.filter((request) => request.headers['idempotency-key'] === `bsync-${batchId}-1`);
    assert.equal(firstRow.length, MAX_ATTEMPTS, 'row 1 used up its attempts');
    const rowOneGaveUpAt = firstRow[MAX_ATTEMPTS - 1].receivedAt + SLOW_FAILURE_MS;
    const breakerOpenedAt = whileDown[BREAKER_THRESHOLD - 1].receivedAt + SLOW_FAILURE_MS;
    assert.ok(
      breakerOpenedAt - rowOneGaveUpAt > DEFAULT_SETTINGS.windowMs,
      `a window was due between row 1's last failure and the breaker's opening (${breakerOpenedAt - rowOneGaveUpAt} ms)`,
    );

    api.healthy(5);
    await assertProcessedOnce(runtime, store, batchId, ROWS);
  });

  // The downstream-outage scenario (connections refused, four rows in flight) with a window per settled row:
  // each try of the parked batch has a row give up a few milliseconds before the breaker's threshold is
  // reached (its 3 attempts among the 7 to 9 failures so far), and that row's window is written at once.
  it('connections refused, every settled row written at once: PROCESSED, no error payload', async () => {
    const rows = 300;
    api.healthy(5);
    const { runtime, store } = await startRuntime({
      leaseSeconds: 30, windowRows: 1, maxAttempts: MAX_ATTEMPTS, baseDelayMs: 50, maxDelayMs: 200,
      breakerThreshold: BREAKER_THRESHOLD, errorRetryDelay: 1, timeoutMs: 2000,
    });
    const batchId = await dropBatch(runtime, store, rows);
    await eventually(() => api.accepted.size >= 50, `rows to flow\n${runtime.tail()}`, 30_000);
    await api.down();
    await eventually(async () => (await listEvents(store, { entity: 'batch', entityId: batchId })).filter((event) => event.action === 'circuit-open').length >= 3, `three tries of the parked batch\n${runtime.tail()}`, 30_000);
    await api.up();
    await assertProcessedOnce(runtime, store, batchId, rows);
  });
});
