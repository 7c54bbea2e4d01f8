// kill -9 of the runtime, several times in one batch, with Node-RED in its own process: after each
// restart the batch's lease runs out (5 s here), the dispatcher reclaims it (`lease-expired-reclaimed`)
// and the processor resumes from the last checkpoint window. Expected: PROCESSED with exact counters,
// every row accepted, and the re-sends per kill no more than the rows the checkpoint had not yet covered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listEvents, openStore } from '../../lib/store';
import { eventually } from '../support/node-red';
import { assertDeliveredExactly, CONCURRENCY, dropBatch, LONG, RecordingApi, reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig, mariaDbSkipReason, type DatabaseKind } from '../support/stores';

const KILLS = LONG ? 10 : 5;
const ROWS = LONG ? 5000 : 1500;
/** Rows accepted after each (re)start before the next kill: the kill lands mid-batch, between windows. */
const ROWS_BETWEEN_KILLS = Math.floor(ROWS / (KILLS + 2));
const WINDOW_ROWS = 100;
/**
 * Today's bound (issue 11 item 2 asks for less: the rows in flight plus those settled in the last second).
 * A kill loses what the checkpoint had not covered: the settled rows waiting for the next window write
 * (under WINDOW_ROWS, since 2 s is not reached at this rate), the rows settling while a window is being
 * written (up to the concurrency), and the rows in flight (the API accepted them, the answer was lost).
 */
const RESEND_BOUND = WINDOW_ROWS + 2 * CONCURRENCY;

function describeOn(kind: DatabaseKind, skip: string | false): void {
  describe(`kill -9 ×${KILLS} in one batch (${kind})`, { skip, timeout: 240_000 }, () => {
    let api: RecordingApi;
    before(async () => {
      api = await RecordingApi.start(5);
    });
    after(() => api?.stop());

    it('ends PROCESSED and exact; each kill re-sends at most the unsettled window, with the original keys', async () => {
      const config = await freshDatabaseConfig(kind);
      const store = await openStore(config);
      const { flows, credentials } = reliabilityFlow({ config, apiUrl: api.url, leaseSeconds: 5, windowRows: WINDOW_ROWS });
      const runtime = await RuntimeProcess.start({ flows, credentials });
      const killedAt: number[] = [];
      try {
        const batchId = await dropBatch(runtime, store, ROWS);
        for (let kill = 0; kill < KILLS; kill += 1) {
          const reached = api.accepted.size + ROWS_BETWEEN_KILLS;
          await eventually(() => api.accepted.size >= reached, `rows to flow before kill ${kill + 1}\n${runtime.tail()}`, 60_000);
          await runtime.kill();
          killedAt.push(Date.now());
          await runtime.launch();
        }
        await assertDeliveredExactly(store, api, batchId, ROWS, runtime, 90_000);

        // Re-sends of kill i: acceptances after it (and before the next) of rows accepted before it.
        const resends = killedAt.map((at, i) => {
          const until = killedAt[i + 1] ?? Infinity;
          let count = 0;
          for (const list of api.accepted.values()) {
            if (list[0].at <= at) count += list.filter((acceptance) => acceptance.at > at && acceptance.at <= until).length;
          }
          return count;
        });
        console.log(`[reliability] ${kind}: re-sends per kill ${JSON.stringify(resends)} (bound ${RESEND_BOUND}), total ${api.resends}`);
        assert.equal(resends.reduce((sum, count) => sum + count, 0), api.resends, 'every re-send follows a kill');
        for (const [i, count] of resends.entries()) assert.ok(count <= RESEND_BOUND, `kill ${i + 1} re-sent ${count} rows (bound ${RESEND_BOUND})`);

        const events = await listEvents(store, { entity: 'batch', entityId: batchId });
        assert.equal(events.filter((event) => event.action === 'lease-expired-reclaimed').length, KILLS, 'one lease-expired-reclaimed per kill');
      } finally {
        await runtime.stop();
        await store.close();
      }
    });
  });
}

describeOn('sqlite', false);
describeOn('mariadb', mariaDbSkipReason());
