// Partitions of a large batch across two real runtimes (issue 15): two Node-RED processes on one store and
// one data folder, both dispatchers on the group type, a loopback API that records every key it accepted.
// - Both run: every partition is claimed exactly once (one `claimed` event, no `lease-expired-reclaimed`),
//   both runtimes process some, every key is accepted exactly once, the batch ends PROCESSED exact with
//   one file in the archive.
// - kill -9 of one runtime while it holds a partition (6 s lease), once the API accepted 55% of that
//   partition's rows (a point unrelated to the window writes): the other reclaims that partition
//   (`lease-expired-reclaimed`) and resumes it from its checkpoint. The keys accepted twice are exactly the
//   killed partition's rows beyond the checkpoint it last wrote that the API had accepted; they are at most
//   the rows in flight plus one checkpoint window (windowRows rows, or the rows settled in the last
//   windowMs = 1 s, +0.5 s for a late timer on this shared machine); no key of another partition is re-sent.
// SQLite passes too (two processes share one database file: WAL, a busy timeout, immediate write
// transactions), but runs only in the long version (BSYNC_LONG_RELIABILITY=1), to keep CI time down: the
// partitions code is the same on every store, what differs (claims, row locks) is what MariaDB and
// PostgreSQL test, and each store adds ~30 s (two runtimes, two batches) on a shared 2-core machine.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { getBatch, listBatches, listEvents, listPartitions, openStore, type BatchRow, type EventRow, type Store } from '../../lib/store';
import { employeeRow, HEADER } from '../support/batch-fixture';
import { eventually } from '../support/node-red';
import { assertDeliveredExactly, CONCURRENCY, LONG, RecordingApi, reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess } from '../support/runtime-process';
import { freshDatabaseConfig, mariaDbSkipReason, postgresSkipReason, type DatabaseKind } from '../support/stores';

/** BSYNC_LONG_RELIABILITY=1: partitions of 1,000 rows, 8,000 in the first batch; and SQLite as well. */
const PARTITION_ROWS = LONG ? 1000 : 500;
const ROWS = 8 * PARTITION_ROWS;
/** The second batch: fewer partitions, enough that the kill lands while others are still to run. */
const KILL_ROWS = (LONG ? 5 : 4) * PARTITION_ROWS;
const API_DELAY_MS = 10;
const LEASE_SECONDS = 6;
/** A window is written once this many rows are settled (or 1 s after the first of them settled). */
const WINDOW_ROWS = LONG ? 100 : 50;
/** Accepted rows of the held partition at the kill: past a few windows, well before its end, not a window multiple. */
const KILL_AT = Math.round(PARTITION_ROWS * 0.55) + 7;
/** Two partitions at a time over both runtimes (the dispatchers share one control row). */
const MAX_IN_FLIGHT = 2;
/** DEFAULT_SETTINGS.windowMs plus 0.5 s for the timer firing late and the window's own transaction. */
const SETTLED_WITHIN_MS = 1000 + 500;

/** The lease owner the runtime's dispatcher claims for (lib/schedule/runtime-id.ts: host:pid:node id). */
function ownerOf(runtime: RuntimeProcess): string {
  assert.ok(runtime.pid, 'the runtime is running');
  return `${os.hostname()}:${runtime.pid}:dispatcher`.slice(0, 200);
}

function detailOf(event: EventRow): Record<string, unknown> {
  return event.detail ? (JSON.parse(event.detail) as Record<string, unknown>) : {};
}

function rowOf(key: string): number {
  return Number(key.slice(key.lastIndexOf('-') + 1));
}

/** Drops `rows` rows as `name` in the shared inbound folder; resolves with the parked batch. */
async function dropFile(runtime: RuntimeProcess, store: Store, name: string, rows: number): Promise<{ batchId: number; sha256: string }> {
  const inbound = path.join(runtime.dataDir, 'inbound');
  fs.mkdirSync(inbound, { recursive: true });
  const text = [HEADER, ...Array.from({ length: rows }, (_, i) => employeeRow(i + 1))].join('\n') + '\n';
  fs.writeFileSync(path.join(inbound, name), text);
  const batchId = await eventually(
    async () => (await listBatches(store, { limit: 50 })).batches.find((batch) => batch.file_name === name)?.id,
    `${name} to be parked\n${runtime.tail()}`,
    30_000,
  );
  return { batchId, sha256: crypto.createHash('sha256').update(text).digest('hex') };
}

interface PartitionClaims {
  partition: BatchRow;
  claimed: EventRow[];
  reclaimed: EventRow[];
}

async function claimsOf(store: Store, batchId: number): Promise<PartitionClaims[]> {
  const partitions = await listPartitions(store, batchId);
  return Promise.all(
    partitions.map(async (partition) => {
      const events = await listEvents(store, { entity: 'batch', entityId: partition.id });
      return { partition, claimed: events.filter((e) => e.action === 'claimed'), reclaimed: events.filter((e) => e.action === 'lease-expired-reclaimed') };
    }),
  );
}

function describeOn(kind: DatabaseKind, skip: string | false): void {
  describe(`partitions on two runtimes (${kind})`, { skip, timeout: 180_000 }, () => {
    let api: RecordingApi;
    let store: Store;
    let first: RuntimeProcess;
    let second: RuntimeProcess;
    /** The data folder both runtimes share (inbound, processing, archive), as they would share a mount. */
    let dataDir: string;
    const logs = () => `--- first runtime ---\n${first.tail(2500)}\n--- second runtime ---\n${second.tail(2500)}`;

    before(async () => {
      api = await RecordingApi.start(API_DELAY_MS);
      const config = await freshDatabaseConfig(kind);
      store = await openStore(config);
      const options = { config, apiUrl: api.url, leaseSeconds: LEASE_SECONDS, windowRows: WINDOW_ROWS, partitionRows: PARTITION_ROWS, maxInFlight: MAX_IN_FLIGHT };
      const parking = reliabilityFlow(options);
      // The second runtime parks nothing: it claims and processes what the first parked, in the same data folder.
      const working = reliabilityFlow({ ...options, parks: false });
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-partitions-'));
      fs.mkdirSync(path.join(dataDir, 'inbound'));
      [first, second] = await Promise.all([RuntimeProcess.start({ ...parking, dataDir }), RuntimeProcess.start({ ...working, dataDir })]);
    });
    after(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
      await store?.close();
      await api?.stop();
      if (dataDir && process.env.BSYNC_KEEP_RUNTIME_DIRS !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('claims every partition exactly once, both runtimes process some, each key is accepted once, and the batch ends whole', async () => {
      const { batchId, sha256 } = await dropFile(first, store, 'large.csv', ROWS);
      const startedAt = Date.now();
      await assertDeliveredExactly(store, api, batchId, ROWS, first, 120_000);
      const seconds = (Date.now() - startedAt) / 1000;
      assert.equal(api.resends, 0, 'no key accepted twice');

      const claims = await claimsOf(store, batchId);
      assert.equal(claims.length, ROWS / PARTITION_ROWS);
      const owners = new Set<unknown>();
      for (const { partition, claimed, reclaimed } of claims) {
        const range = `partition ${partition.id} (rows ${partition.first_row}–${partition.last_row})`;
        assert.equal(claimed.length, 1, `${range} claimed once`);
        assert.equal(reclaimed.length, 0, `${range} never reclaimed`);
        assert.deepEqual([partition.status, partition.processed_rows, partition.succeeded_rows, partition.checkpoint_row], ['PROCESSED', PARTITION_ROWS, PARTITION_ROWS, partition.last_row]);
        owners.add(detailOf(claimed[0]).leaseOwner);
      }
      assert.deepEqual([...owners].sort(), [ownerOf(first), ownerOf(second)].sort(), 'both runtimes processed partitions, and no one else');

      const batch = await getBatch(store, batchId);
      const archive = path.join(first.dataDir, 'archive');
      assert.equal(batch.folder, archive);
      assert.deepEqual(fs.readdirSync(archive), ['large.csv'], 'one file in the archive');
      assert.equal(crypto.createHash('sha256').update(fs.readFileSync(path.join(archive, 'large.csv'))).digest('hex'), sha256, 'the file archived unchanged');
      assert.deepEqual(fs.readdirSync(path.join(first.dataDir, 'processing')), [], 'nothing left in processing');
      const parentEvents = (await listEvents(store, { entity: 'batch', entityId: batchId })).map((event) => event.action);
      assert.equal(parentEvents.filter((action) => action === 'partitions-settled').length, 1, parentEvents.join(', '));
      assert.ok(!parentEvents.includes('lease-expired-reclaimed'), parentEvents.join(', '));
      console.log(`[reliability] ${kind}: ${ROWS} rows in ${claims.length} partitions on two runtimes in ${seconds.toFixed(1)} s (load ${os.loadavg()[0].toFixed(1)})`);
    });

    it('a runtime killed mid-partition loses nothing and re-sends at most that partition’s last window plus the rows in flight', async () => {
      api.accepted.clear();
      const victim = ownerOf(first);
      const survivor = ownerOf(second);
      const { batchId } = await dropFile(first, store, 'killed.csv', KILL_ROWS);

      // The kill lands when the API has accepted KILL_AT rows of a partition the first runtime holds: a point
      // the API sees, not the checkpoint, so it may fall anywhere between two window writes.
      const held = await eventually(
        async () => (await listPartitions(store, batchId)).find((p) => p.lease_owner === victim && (p.status === 'SUBMITTED' || p.status === 'PROCESSING')),
        `the first runtime to hold a partition\n${logs()}`,
        60_000,
      );
      const acceptedOf = (p: BatchRow) => [...api.accepted.keys()].filter((key) => rowOf(key) >= p.first_row! && rowOf(key) <= p.last_row!).length;
      const giveUpAt = Date.now() + 60_000;
      while (acceptedOf(held) < KILL_AT) {
        if (Date.now() > giveUpAt) throw new Error(`partition ${held.id} did not reach ${KILL_AT} accepted rows (${acceptedOf(held)})\n${logs()}`);
        await sleep(5);
      }
      await first.kill();
      const killedAt = Date.now();
      // A request the runtime wrote just before it died may still be read by the API: let those land.
      await sleep(500);
      const partitionsAtKill = await listPartitions(store, batchId);
      // Every partition it held, the one mid-way and any it had just claimed (SUBMITTED, nothing sent yet).
      const killed = partitionsAtKill.filter((p) => p.lease_owner === victim && (p.status === 'SUBMITTED' || p.status === 'PROCESSING'));
      assert.ok(killed.some((p) => p.id === held.id), `partition ${held.id}, ${KILL_AT} rows in, was still held at the kill`);
      const acceptedAtKill = new Map([...api.accepted].map(([key, list]) => [key, list.length]));
      const inKilled = (row: number) => killed.find((p) => row >= p.first_row! && row <= p.last_row!);

      await assertDeliveredExactly(store, api, batchId, KILL_ROWS, second, 120_000);

      const resent = [...api.accepted].filter(([, list]) => list.length > 1).map(([key]) => key);
      assert.ok(resent.every((key) => inKilled(rowOf(key))), `only keys of the killed partitions were re-sent: ${resent.filter((key) => !inKilled(rowOf(key))).join(', ')}`);
      assert.ok([...api.accepted.values()].every((list) => list.length <= 2), 'no key accepted more than twice');
      for (const partition of killed) {
        const range = `partition ${partition.id} (rows ${partition.first_row}–${partition.last_row}, checkpoint ${partition.checkpoint_row} at the kill)`;
        const ofPartition = resent.filter((key) => inKilled(rowOf(key)) === partition).map(rowOf).sort((a, b) => a - b);
        // What the resumed partition sent again: the rows beyond its checkpoint that the API had already accepted.
        const expected = [...acceptedAtKill.keys()].map(rowOf).filter((row) => row > partition.checkpoint_row && row <= partition.last_row!).sort((a, b) => a - b);
        assert.deepEqual(ofPartition, expected, `${range}: re-sent exactly its accepted rows beyond the checkpoint`);
        const recent = [...api.accepted.values()].filter((list) => {
          const row = rowOf(list[0].key);
          return row >= partition.first_row! && row <= partition.last_row! && list[0].at > killedAt - SETTLED_WITHIN_MS && list[0].at <= killedAt + 500;
        }).length;
        assert.ok(ofPartition.length <= WINDOW_ROWS + CONCURRENCY, `${range}: re-sent ${ofPartition.length} rows, more than a window (${WINDOW_ROWS}) plus the rows in flight (${CONCURRENCY})`);
        assert.ok(ofPartition.length <= recent + CONCURRENCY, `${range}: re-sent ${ofPartition.length} rows, more than those accepted in its last ${SETTLED_WITHIN_MS} ms (${recent}) plus the rows in flight (${CONCURRENCY})`);
        console.log(`[reliability] ${kind}: killed mid-partition ${range}: re-sent ${ofPartition.length} (bounds ${WINDOW_ROWS + CONCURRENCY} and ${recent + CONCURRENCY})`);
      }

      const claims = await claimsOf(store, batchId);
      assert.equal(claims.length, KILL_ROWS / PARTITION_ROWS);
      for (const { partition, claimed, reclaimed } of claims) {
        const range = `partition ${partition.id} (rows ${partition.first_row}–${partition.last_row})`;
        assert.equal(claimed.length, 1, `${range} claimed once`);
        assert.equal(partition.status, 'PROCESSED', range);
        if (killed.some((p) => p.id === partition.id)) {
          assert.equal(detailOf(claimed[0]).leaseOwner, victim, `${range} was the killed runtime's`);
          assert.deepEqual(
            reclaimed.map((event) => [detailOf(event).previousLeaseOwner, detailOf(event).leaseOwner]),
            [[victim, survivor]],
            `${range} reclaimed once, by the runtime that lived, when its lease ran out`,
          );
        } else {
          assert.equal(reclaimed.length, 0, `${range} never reclaimed`);
        }
      }
      assert.deepEqual(fs.readdirSync(path.join(first.dataDir, 'archive')).sort(), ['killed.csv', 'large.csv'], 'the batch file archived once');
    });
  });
}

describeOn('sqlite', LONG ? false : 'SQLite runs in the long version only (BSYNC_LONG_RELIABILITY=1)');
describeOn('mariadb', mariaDbSkipReason());
describeOn('postgres', postgresSkipReason());
