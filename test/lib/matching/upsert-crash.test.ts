// kill -9 of a runtime between a create call and the window write: the downstream created the record, the
// key map never heard of it. The next runtime sends that create again with the same Idempotency-Key, the
// downstream's dedupe answers the same id, and there is one record and one mapping.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { claimBatches, getBatch, openStore, type KeyMapRow, type Store, type StoreConfig } from '../../../lib/store';
import { makeFolders, parkAndClaim, settingsFor, writeCsv } from '../../support/batch-fixture';
import { eventually } from '../../support/node-red';
import { CustomerRecordsApi } from '../../support/customer-records-api';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';
import { CUSTOMER_MATCHING } from '../../support/upsert-worker';

const ROWS = 8;
const HELD_ROW = 5;

describeEachDatabase('key matching: crash between a create and the window write', (kind) => {
  let config: StoreConfig;
  let store: Store;
  before(async () => {
    config = await freshDatabaseConfig(kind);
    store = await openStore(config);
  });
  after(async () => {
    await store.close();
  });

  it('re-sends the create with its key; the dedupe answers the same id: one record, one mapping', async () => {
    const api = await CustomerRecordsApi.start();
    const client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 2 });
    try {
      const folders = makeFolders();
      const customerNo = (i: number) => `X-${String(i).padStart(3, '0')}`;
      writeCsv(folders, 'crash.csv', ['customerNo,name', ...Array.from({ length: ROWS }, (_, i) => `${customerNo(i + 1)},Customer ${i + 1}`)]);
      const batch = await parkAndClaim(store, folders, 'crash.csv', 'runtime-crashing');
      let held = false;
      // The create of row 5 is applied, and its answer never comes: the runtime dies waiting for it.
      api.holdCreate = (body) => {
        if (held || body.customerNo !== customerNo(HELD_ROW)) return false;
        held = true;
        return true;
      };
      const worker = spawn(
        process.execPath,
        [path.join(__dirname, '..', '..', 'support', 'upsert-worker.js'), JSON.stringify(config), JSON.stringify(folders), String(batch.id), 'runtime-crashing', api.url],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      worker.stderr.on('data', (chunk) => (stderr += chunk));
      await eventually(() => api.idOf('customerNo', customerNo(HELD_ROW)) !== undefined, `the create of row ${HELD_ROW} (${stderr})`, 30_000);
      const heldId = api.idOf('customerNo', customerNo(HELD_ROW))!;
      worker.kill('SIGKILL');
      await new Promise((resolve) => worker.once('exit', resolve));

      const crashed = await getBatch(store, batch.id);
      assert.equal(crashed.checkpoint_row, 0, 'no window was written before the kill');
      assert.equal((await store.knex(store.tables.keyMap).where('batch_id', batch.id)).length, 0, 'the key map never heard of the creates');
      const [reclaimed] = await claimBatches(store, { owner: 'runtime-next', leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: 'crash.csv', now: crashed.lease_until! + 1 });
      assert.equal(reclaimed?.id, batch.id);
      const summary = await processBatch(
        { store, client, owner: 'runtime-next', signal: new AbortController().signal },
        reclaimed,
        settingsFor(folders, { matching: CUSTOMER_MATCHING }),
      );
      assert.equal(summary.status, 'PROCESSED');
      assert.equal(summary.succeededRows, ROWS);

      const heldCreates = api.requests('POST').filter((request) => JSON.parse(request.body).customerNo === customerNo(HELD_ROW));
      assert.deepEqual(heldCreates.map((request) => request.headers['idempotency-key']), [`bsync-${batch.id}-${HELD_ROW}`, `bsync-${batch.id}-${HELD_ROW}`], 'sent again, with the same key');
      assert.equal(api.records.size, ROWS, 'one record per customer');
      const mapped = (await store.knex(store.tables.keyMap).where('batch_id', batch.id)) as KeyMapRow[];
      assert.equal(mapped.length, ROWS, 'one mapping per customer');
      for (const row of mapped) assert.equal(row.target_key, api.idOf('customerNo', JSON.parse(row.source_key).customerNo));
      assert.equal(mapped.find((row) => JSON.parse(row.source_key).customerNo === customerNo(HELD_ROW))!.target_key, heldId);
    } finally {
      await client.close();
      await api.stop();
    }
  });
});
