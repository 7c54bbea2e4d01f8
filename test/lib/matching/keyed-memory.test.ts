// Key matching holds a source key only while a row of it is read ahead and not yet behind a written
// checkpoint: on a batch of thousands of distinct keys, what KeyedDelivery holds stays within the rows read
// ahead (chunks of the lookup) plus a window, instead of growing with the batch; and a key met again after it
// was forgotten is decided from the store (here: unchanged, so skipped), never created twice.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import type { MatchingSettings } from '../../../lib/matching';
import { CheckpointTracker } from '../../../lib/processing/checkpoint-tracker';
import { readFileRows, scanBatchFile } from '../../../lib/processing/file-rows';
import { KeyedDelivery, withCreateRequest } from '../../../lib/processing/keyed-delivery';
import { RowSender } from '../../../lib/processing/row-sender';
import { RunStop } from '../../../lib/processing/run-stop';
import { settleWindow } from '../../../lib/processing/settle-window';
import { openStore, type Store } from '../../../lib/store';
import { makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { CustomerRecordsApi } from '../../support/customer-records-api';
import { freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-keyed-memory';
const MATCHING: MatchingSettings = {
  keyColumns: ['customerNo'],
  create: { method: 'POST', pathTemplate: '/customers' },
  update: { method: 'PUT', pathTemplate: '/customers/{targetKey}' },
  targetKey: { from: 'body', evaluate: async (body) => (body as { id?: unknown }).id },
  onUpdateNotFound: 'report',
};
const ROWS = 3000;
/** The first rows' keys come again at the end, after their windows are long written. */
const REPEATED = 300;
const CHUNK_ROWS = 200;
const WINDOW_ROWS = 100;

let store: Store;
let api: CustomerRecordsApi;
let client: ApiClient;
let folders: Folders;

before(async () => {
  store = await openStore(await freshDatabaseConfig('sqlite'));
  api = await CustomerRecordsApi.start();
  client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 2 });
  folders = makeFolders();
});
after(async () => {
  await client.close();
  await api.stop();
  await store.close();
});

it('holds the keys of the rows read ahead, not of the batch, and decides a forgotten key from the store', async () => {
  const customer = (i: number) => `M-${String(i).padStart(5, '0')},Customer ${i},Town ${i % 4}`;
  const lines = [...Array.from({ length: ROWS - REPEATED }, (_, i) => customer(i + 1)), ...Array.from({ length: REPEATED }, (_, i) => customer(i + 1))];
  const file = writeCsv(folders, 'many-keys.csv', ['customerNo,name,city', ...lines]);
  let batch = await parkAndClaim(store, folders, path.basename(file), OWNER);
  const settings = withCreateRequest(settingsFor(folders, { matching: MATCHING }));
  const keyed = new KeyedDelivery(store, MATCHING, new RowSender(client, settings, new RunStop(new AbortController().signal)), { id: batch.id, groupType: batch.group_type, originBatchId: batch.id });
  const scan = await scanBatchFile(file, settings);
  const rows = keyed.rows(readFileRows(file, scan, batch.id, settings, 0, batch.id), CHUNK_ROWS);
  const tracker = new CheckpointTracker(0);
  const windows = { store, owner: OWNER, leaseMs: 60_000, earlierFailures: new Map() };
  let mostHeld = 0;
  try {
    for (;;) {
      const work = await rows.next();
      if (!work) break;
      tracker.settle(work.rowNumber, (await keyed.deliver(work))!);
      mostHeld = Math.max(mostHeld, keyed.heldKeys);
      if (tracker.pending >= WINDOW_ROWS) {
        const window = tracker.takeWindow(false);
        batch = await settleWindow(windows, batch, window);
        keyed.forgetUpTo(window.checkpointRow);
      }
    }
  } finally {
    await rows.close();
  }
  batch = await settleWindow(windows, batch, tracker.takeWindow(false));

  // Read ahead: the chunk being sent and the next one, and the rows of the window not written yet.
  const bound = 2 * CHUNK_ROWS + WINDOW_ROWS;
  assert.ok(mostHeld <= bound, `held at most ${mostHeld} keys (bound ${bound}; the batch has ${ROWS - REPEATED} distinct keys)`);
  assert.equal(api.requests('POST').length, ROWS - REPEATED, 'each distinct key created once');
  assert.equal(api.requests('PUT').length, 0);
  assert.deepEqual([batch.checkpoint_row, batch.succeeded_rows, batch.skipped_rows], [ROWS, ROWS - REPEATED, REPEATED], 'the repeated rows, unchanged, are skipped');
});
