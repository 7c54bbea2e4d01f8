// kill -9 of the runtime, several times in one batch, with Node-RED in its own process: after each
// restart the batch's lease runs out (5 s here), the dispatcher reclaims it (`lease-expired-reclaimed`)
// and the processor resumes from the last checkpoint window. Expected: PROCESSED with exact counters,
// every row accepted, and at any moment (each kill, and every 100 ms while rows flow) no more rows
// beyond the checkpoint than the rows in flight plus the rows settled in the last second.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { getBatch, listEvents, openStore, type Store } from '../../lib/store';
import { assertDeliveredExactly, CONCURRENCY, dropBatch, LONG, RecordingApi, reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig, mariaDbSkipReason, type DatabaseKind } from '../support/stores';

const KILLS = LONG ? 10 : 5;
/** The API's answer time while kills land: 4 in flight make at most 80 rows/s. */
const API_DELAY_MS = 50;
const MOST_ROWS_PER_SECOND = (CONCURRENCY * 1000) / API_DELAY_MS;
/** How long rows flow after each (re)start before the next kill: more than 2 s, so windows are written between kills. */
const FLOW_MS_BETWEEN_KILLS = 2500;
/** More than the kills can use up, so each kill lands mid-batch; the rest flows fast after the last. */
const ROWS = Math.ceil((KILLS * FLOW_MS_BETWEEN_KILLS * MOST_ROWS_PER_SECOND) / 1000) + 200;
/** Far above what 2 s of rows make here: the row bound never writes a window, only the time bound does. */
const WINDOW_ROWS = 5000;
/**
 * The rows a crash may re-send: the rows in flight (the API accepted them, the answer was lost) plus the
 * rows settled in the last second (DEFAULT_SETTINGS.windowMs). The API's accept log stands for the
 * settling time (a row settles just after its acceptance); the extra 500 ms allow for the timer firing late
 * and for the window's own transaction on this shared 2-core machine. The 2 s window of old fails it: just
 * before each of its writes, 2 s of rows were unwritten.
 */
const SETTLED_WITHIN_MS = 1000 + 500;
const SAMPLE_EVERY_MS = 100;

interface Sample {
  at: number;
  /** Rows of the current run beyond the checkpoint: what a crash now would send again. */
  unwritten: number;
  bound: number;
}

/** The rows in flight plus the acceptances in SETTLED_WITHIN_MS up to `at`. */
function resendBound(api: RecordingApi, at: number): number {
  let recent = 0;
  for (const list of api.accepted.values()) recent += list.filter((acceptance) => acceptance.at > at - SETTLED_WITHIN_MS && acceptance.at <= at).length;
  return CONCURRENCY + recent;
}

/** The latest acceptance of any row after `since`, if there is one. */
function acceptedSince(api: RecordingApi, since: number): boolean {
  for (const list of api.accepted.values()) if (list[list.length - 1].at > since) return true;
  return false;
}

/**
 * Once rows flow again after `since` (the last kill), lets them flow FLOW_MS_BETWEEN_KILLS, reading the
 * batch's checkpoint every 100 ms: the rows accepted in this runtime's life beyond the checkpoint are what
 * a crash at that moment would re-send.
 */
async function flowWhileSampling(store: Store, api: RecordingApi, batchId: number, since: number, samples: Sample[], context: () => string): Promise<void> {
  const giveUpAt = Date.now() + 60_000;
  while (!acceptedSince(api, since)) {
    if (Date.now() > giveUpAt) throw new Error(`rows did not flow again\n${context()}`);
    await sleep(SAMPLE_EVERY_MS);
  }
  const killAt = Date.now() + FLOW_MS_BETWEEN_KILLS;
  while (Date.now() < killAt) {
    const readFrom = Date.now();
    const { checkpoint_row: checkpoint } = await getBatch(store, batchId);
    const readAt = Date.now();
    let unwritten = 0;
    for (const [key, list] of api.accepted) {
      const last = list[list.length - 1].at;
      if (Number(key.slice(key.lastIndexOf('-') + 1)) > checkpoint && last > since && last <= readFrom) unwritten += 1;
    }
    samples.push({ at: readAt, unwritten, bound: resendBound(api, readAt) });
    await sleep(SAMPLE_EVERY_MS);
  }
}

function describeOn(kind: DatabaseKind, skip: string | false): void {
  describe(`kill -9 ×${KILLS} in one batch (${kind})`, { skip, timeout: 240_000 }, () => {
    let api: RecordingApi;
    before(async () => {
      api = await RecordingApi.start(API_DELAY_MS);
    });
    after(() => api?.stop());

    it('ends PROCESSED and exact; a kill re-sends at most the rows in flight and those settled in the last second, with the original keys', async () => {
      const config = await freshDatabaseConfig(kind);
      const store = await openStore(config);
      const { flows, credentials } = reliabilityFlow({ config, apiUrl: api.url, leaseSeconds: 5, windowRows: WINDOW_ROWS });
      const runtime = await RuntimeProcess.start({ flows, credentials });
      const killedAt: number[] = [];
      const samples: Sample[] = [];
      try {
        const batchId = await dropBatch(runtime, store, ROWS);
        for (let kill = 0; kill < KILLS; kill += 1) {
          await flowWhileSampling(store, api, batchId, killedAt.at(-1) ?? 0, samples, () => `before kill ${kill + 1}\n${runtime.tail()}`);
          await runtime.kill();
          killedAt.push(Date.now());
          assert.ok(api.accepted.size < ROWS, `kill ${kill + 1} landed mid-batch (${api.accepted.size} of ${ROWS} rows accepted)`);
          // The re-sends of the last kill are counted from the acceptances that follow it: the rest may flow fast.
          if (kill === KILLS - 1) api.healthy(1);
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
        const bounds = killedAt.map((at) => resendBound(api, at));
        const most = samples.reduce((top, sample) => (sample.unwritten > top.unwritten ? sample : top), samples[0]);
        console.log(
          `[reliability] ${kind}: re-sends per kill ${JSON.stringify(resends)} (bounds ${JSON.stringify(bounds)}), total ${api.resends}; ` +
            `${samples.length} samples, most rows beyond the checkpoint ${most.unwritten} (bound then ${most.bound})`,
        );
        assert.equal(resends.reduce((sum, count) => sum + count, 0), api.resends, 'every re-send follows a kill');
        for (const [i, count] of resends.entries()) assert.ok(count <= bounds[i], `kill ${i + 1} re-sent ${count} rows (bound ${bounds[i]})`);
        assert.ok(samples.length >= KILLS * 10, `the checkpoint was read while rows flowed (${samples.length} samples)`);
        for (const sample of samples) {
          assert.ok(sample.unwritten <= sample.bound, `${sample.unwritten} rows beyond the checkpoint at ${new Date(sample.at).toISOString()} (bound ${sample.bound})`);
        }

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
