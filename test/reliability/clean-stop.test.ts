// A clean stop mid-batch, with Node-RED in its own process and the test reading the database from outside
// it: a full redeploy, and a SIGTERM. Expected of both: the row-processor stops taking rows, the requests
// in flight finish, the checkpoint is written, the batch is re-parked as ERROR_RETRY with a `released`
// event and its checkpoint equal to the rows the API accepted; after the deploy (or the restart) it
// resumes and ends PROCESSED with no row accepted twice.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getBatch, listBatches, listEvents, openStore, setPaused, type Store, type StoreConfig } from '../../lib/store';
import { employeeRow, HEADER } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { eventually } from '../support/node-red';
import { RuntimeProcess, type FlowNode } from '../support/runtime-process';
import { freshDatabaseConfig, mariaDbSkipReason, type DatabaseKind } from '../support/stores';

const ROWS = 1200;
const DISPATCHER = 'batches:*:*';

function flowsFor(config: StoreConfig, apiUrl: string): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const store: FlowNode =
    config.client === 'sqlite'
      ? { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.filename }
      : { id: 'store', type: 'batch-store', client: 'mysql', host: config.host, port: String(config.port), database: config.database };
  const credentials: Record<string, Record<string, string>> = config.client === 'mysql' ? { store: { user: config.user, password: config.password ?? '' } } : {};
  return {
    credentials,
    flows: [
      { id: 'tab', type: 'tab', label: 'clean stop' },
      store,
      { id: 'api', type: 'api-endpoint', baseUrl: apiUrl, authType: 'none', timeout: '10000', connections: '8' },
      { id: 'persister', type: 'file-persister', z: 'tab', store: 'store', inbound: 'inbound', processing: 'processing', duplicates: 'duplicates', pattern: '*.csv', pollInterval: '0.2', stableTime: '0.2', groupType: 'payroll', wires: [['lot']] },
      { id: 'lot', type: 'parking-lot', z: 'tab', store: 'store', groupType: 'payroll', wires: [[]] },
      { id: 'dispatcher', type: 'scheduled-dispatcher', z: 'tab', store: 'store', mode: 'batches', cron: '* * * * * *', fetchSize: '1', maxInFlight: '1', leaseSeconds: '300', wires: [['processor'], []] },
      {
        id: 'processor', type: 'row-processor', z: 'tab', store: 'store', endpoint: 'api', method: 'POST', pathTemplate: '/employees/{employeeNumber}',
        concurrency: '4', maxAttempts: '3', baseDelayMs: '50', maxDelayMs: '1000', leaseTime: '300', windowRows: '1000', archiveFolder: 'archive', failedFolder: 'failed', wires: [[], []],
      },
    ],
  };
}

function describeOn(kind: DatabaseKind, skip: string | false): void {
  describe(`a clean stop mid-batch (${kind})`, { skip, timeout: 180_000 }, () => {
    let server: TestHttpServer;
    const accepted = new Map<string, number>();

    before(async () => {
      server = await TestHttpServer.start({
        respond: (request) => {
          const key = String(request.headers['idempotency-key']);
          accepted.set(key, (accepted.get(key) ?? 0) + 1);
          return { status: 200, body: { status: 'SUCCESS' }, delayMs: 25 };
        },
      });
    });
    after(() => server.stop());

    /** Starts a runtime with a batch of ROWS rows dropped in its inbound folder; resolves once rows flow. */
    async function startMidBatch(): Promise<{ runtime: RuntimeProcess; store: Store; config: StoreConfig; flows: FlowNode[]; batchId: number }> {
      accepted.clear();
      const config = await freshDatabaseConfig(kind);
      const store = await openStore(config);
      const { flows, credentials } = flowsFor(config, server.url);
      const runtime = await RuntimeProcess.start({ flows, credentials });
      const inbound = path.join(runtime.dataDir, 'inbound');
      fs.mkdirSync(inbound, { recursive: true });
      fs.writeFileSync(path.join(inbound, 'bank.csv'), [HEADER, ...Array.from({ length: ROWS }, (_, i) => employeeRow(i + 1))].join('\n') + '\n');
      const batchId = await eventually(async () => (await listBatches(store, { limit: 1 })).batches[0]?.id, 'the file to be parked', 20_000);
      await eventually(() => accepted.size >= 150, `rows to flow\n${runtime.tail()}`, 30_000);
      return { runtime, store, config, flows, batchId };
    }

    /** The batch re-parked by the stop: ERROR_RETRY, `released`, checkpoint = exactly the rows accepted. */
    async function assertReleased(store: Store, batchId: number, runtime: RuntimeProcess): Promise<void> {
      const released = await eventually(
        async () => (await listEvents(store, { entity: 'batch', entityId: batchId })).find((event) => event.action === 'released'),
        `a released event\n${runtime.tail()}`,
        30_000,
      );
      assert.equal(released.to_status, 'ERROR_RETRY');
      const batch = await getBatch(store, batchId);
      assert.equal(batch.status, 'ERROR_RETRY', 'paused dispatcher: nobody claimed it again yet');
      assert.equal(batch.lease_owner, null, 'the lease is given back, not left to run out');
      assert.ok(batch.checkpoint_row > 0 && batch.checkpoint_row < ROWS, `stopped mid-batch (checkpoint ${batch.checkpoint_row})`);
      const expected = Array.from({ length: batch.checkpoint_row }, (_, i) => `bsync-${batchId}-${i + 1}`);
      assert.deepEqual([...accepted.keys()].sort(), expected.sort(), 'the checkpoint is exactly the rows the API accepted: in-flight rows finished and were settled');
      assert.doesNotMatch(runtime.log, /Unable to acquire a connection|Close timed out/);
    }

    async function assertResumedToTheEnd(store: Store, batchId: number, runtime: RuntimeProcess): Promise<void> {
      await setPaused(store, DISPATCHER, false, 'test');
      await eventually(async () => (await getBatch(store, batchId)).status === 'PROCESSED', `the batch to end PROCESSED\n${runtime.tail()}`, 60_000);
      const batch = await getBatch(store, batchId);
      assert.deepEqual([batch.succeeded_rows, batch.failed_rows, batch.checkpoint_row], [ROWS, 0, ROWS]);
      assert.equal(accepted.size, ROWS, 'every row accepted');
      const twice = [...accepted].filter(([, count]) => count > 1);
      assert.deepEqual(twice, [], 'no row accepted twice');
    }

    it('a full redeploy: released with its checkpoint, then resumed to PROCESSED with nothing sent twice', async () => {
      const { runtime, store, flows, batchId } = await startMidBatch();
      try {
        // Paused, so that the redeployed dispatcher leaves the re-parked batch for the test to look at.
        await setPaused(store, DISPATCHER, true, 'test');
        await runtime.deploy(flows, 'full');
        await assertReleased(store, batchId, runtime);
        await assertResumedToTheEnd(store, batchId, runtime);
      } finally {
        await runtime.stop();
        await store.close();
      }
    });

    it('SIGTERM: released with its checkpoint before the process exits, resumed after a restart', async () => {
      const { runtime, store, batchId } = await startMidBatch();
      try {
        await setPaused(store, DISPATCHER, true, 'test');
        const code = await runtime.stop();
        assert.equal(code, 0, `Node-RED stopped cleanly\n${runtime.tail()}`);
        await assertReleased(store, batchId, runtime);
        await runtime.launch();
        await assertResumedToTheEnd(store, batchId, runtime);
      } finally {
        await runtime.stop();
        await store.close();
      }
    });
  });
}

describeOn('sqlite', false);
describeOn('mariadb', mariaDbSkipReason());
