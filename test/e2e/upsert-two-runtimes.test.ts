// Key matching on two real runtimes (two Node-RED processes on one store and one data folder): four files of
// the same 150 customers, each a newer version, parked at once, two batches in flight over both runtimes. A
// loopback customers API that keeps its own records: each customer is created once and ends with the last
// file's version, the key map holds every id once, and the batches of the group type took turns (a
// `waiting-for-key-map` event), in the order they were parked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listBatches, listEvents, openStore, type KeyMapRow, type Store, type StoreConfig } from '../../lib/store';
import { CUSTOMER_MATCHING_CONFIG, CustomerRecordsApi } from '../support/customer-records-api';
import { eventually } from '../support/node-red';
import { reliabilityFlow } from '../support/reliability-runtime';
import { RuntimeProcess, type FlowNode } from '../support/runtime-process';
import { freshDatabaseConfig, mariaDbSkipReason, postgresSkipReason, type DatabaseKind } from '../support/stores';

const CUSTOMERS = 150;
const FILES = 4;

/** The reliability flow with the row-processor matching customers by number (create POST, update PUT). */
function upsertFlow(config: StoreConfig, apiUrl: string, parks: boolean): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const flow = reliabilityFlow({ config, apiUrl, maxInFlight: 2, windowRows: 20, parks });
  return { ...flow, flows: flow.flows.map((node) => (node.id === 'processor' ? { ...node, ...CUSTOMER_MATCHING_CONFIG } : node)) };
}

function customersFile(version: number): string {
  const rows = Array.from({ length: CUSTOMERS }, (_, i) => `C-${String(i + 1).padStart(4, '0')},Customer ${i + 1} v${version}`);
  return ['customerNo,name', ...rows].join('\n') + '\n';
}

function describeOn(kind: DatabaseKind, skip: string | false): void {
  describe(`key matching on two runtimes (${kind})`, { skip, timeout: 180_000 }, () => {
    let api: CustomerRecordsApi;
    let store: Store;
    let first: RuntimeProcess;
    let second: RuntimeProcess;
    let dataDir: string;
    const logs = () => `--- first runtime ---\n${first.tail(2500)}\n--- second runtime ---\n${second.tail(2500)}`;

    before(async () => {
      api = await CustomerRecordsApi.start();
      // Slow enough that a batch takes about a second (150 rows, 4 in flight): the next file is parked, and
      // claimed by the other runtime, while it runs.
      api.answerDelayMs = 20;
      const config = await freshDatabaseConfig(kind);
      store = await openStore(config);
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-upsert-runtimes-'));
      fs.mkdirSync(path.join(dataDir, 'inbound'));
      [first, second] = await Promise.all([
        RuntimeProcess.start({ ...upsertFlow(config, api.url, true), dataDir }),
        RuntimeProcess.start({ ...upsertFlow(config, api.url, false), dataDir }),
      ]);
    });
    after(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
      await store?.close();
      await api?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('creates each customer once, ends with the last version, and the batches take turns in the order parked', async () => {
      // One file after the other into the inbound folder, so they are parked in this order.
      for (let version = 1; version <= FILES; version += 1) {
        fs.writeFileSync(path.join(dataDir, 'inbound', `customers-v${version}.csv`), customersFile(version));
        await eventually(async () => (await listBatches(store, { limit: 50 })).batches.length === version, `file v${version} parked\n${logs()}`, 30_000);
      }
      const batches = (await listBatches(store, { limit: 50 })).batches.sort((a, b) => a.id - b.id);
      assert.deepEqual(
        batches.map((batch) => batch.file_name),
        Array.from({ length: FILES }, (_, i) => `customers-v${i + 1}.csv`),
      );
      await eventually(
        async () => (await listBatches(store, { limit: 50 })).batches.every((batch) => batch.status === 'PROCESSED'),
        `every batch PROCESSED\n${logs()}`,
        120_000,
      );

      assert.equal(api.records.size, CUSTOMERS, 'one record per customer, not one per batch');
      assert.equal(api.requests('POST').length, CUSTOMERS, 'each customer created once');
      assert.equal(api.requests('PUT').length, CUSTOMERS * (FILES - 1), 'each later version an update');
      for (const record of api.records.values()) assert.match(String(record.body.name), new RegExp(` v${FILES}$`), `record ${record.id} holds the last version`);
      const mapped = (await store.knex(store.tables.keyMap)) as KeyMapRow[];
      assert.equal(mapped.length, CUSTOMERS);
      const last = batches[FILES - 1].id;
      for (const row of mapped) {
        assert.equal(row.target_key, api.idOf('customerNo', JSON.parse(row.source_key).customerNo));
        assert.equal(Number(row.batch_id), last);
      }

      // Each batch started processing after the one before it had ended: its turn came in order.
      const ends: number[] = [];
      const starts: number[] = [];
      const owners = new Set<string>();
      let waits = 0;
      for (const batch of batches) {
        const events = await listEvents(store, { entity: 'batch', entityId: batch.id });
        starts.push(events.find((event) => event.action === 'processing')!.created_at);
        ends.push(events.find((event) => event.action === 'processed')!.created_at);
        owners.add(JSON.parse(events.find((event) => event.action === 'claimed')!.detail!).leaseOwner);
        waits += events.filter((event) => event.action === 'waiting-for-key-map').length;
      }
      for (let i = 1; i < FILES; i += 1) assert.ok(Number(starts[i]) >= Number(ends[i - 1]), `batch ${batches[i].id} started after batch ${batches[i - 1].id} ended`);
      assert.ok(waits >= 1, 'a batch waited for its turn: two were in flight at once');
      assert.equal(owners.size, 2, 'both runtimes processed batches');
    });
  });
}

describeOn('mariadb', mariaDbSkipReason());
describeOn('postgres', postgresSkipReason());
