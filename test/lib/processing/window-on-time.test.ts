// A checkpoint window is written at the latest windowMs (DEFAULT_SETTINGS: 1 s) after its first settled
// row, also while the read loop waits: here the one slot of concurrency 1 is held by a slow row, so the
// loop cannot start another row, and the row settled before it must still be written on time (a crash
// then would re-send only the slow row). Before the timer, it waited for the slow row to finish.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { DEFAULT_SETTINGS, processBatch } from '../../../lib/processing';
import { getBatch, openStore, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { eventually } from '../../support/node-red';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

/** Allowance for the timer and the window's own transaction on a shared machine. */
const LATE_MS = 700;

describeEachDatabase('checkpoint windows on time', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  let releaseSlowRow: () => void = () => {};
  const slowRowHeld = new Promise<void>((resolve) => {
    releaseSlowRow = resolve;
  });
  let slowRowArrivedAt = 0;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start({
      respond: async (request) => {
        if (request.path.startsWith('/employees/1002/')) {
          slowRowArrivedAt = Date.now();
          await slowRowHeld;
        }
        return { status: 201, body: {} };
      },
    });
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 30_000, connections: 2 });
    folders = makeFolders();
  });
  after(async () => {
    releaseSlowRow();
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('writes the rows settled before a slow row within the window time, while the slow row holds the only slot', async () => {
    writeCsv(folders, 'slow.csv', [HEADER, employeeRow(1), employeeRow(2), employeeRow(3)]);
    const claimed = await parkAndClaim(store, folders, 'slow.csv');
    const running = processBatch({ store, client, owner: 'runtime-test', signal: new AbortController().signal }, claimed, settingsFor(folders, { concurrency: 1 }));

    await eventually(() => slowRowArrivedAt > 0, 'the slow row to reach the API');
    // Row 1 settled just before row 2 was sent.
    const written = await eventually(async () => (await getBatch(store, claimed.id)).checkpoint_row === 1 && Date.now(), 'row 1 written while row 2 is held', 5_000);
    assert.ok(written - slowRowArrivedAt <= DEFAULT_SETTINGS.windowMs + LATE_MS, `row 1 written ${written - slowRowArrivedAt} ms after it settled`);
    const meanwhile = await getBatch(store, claimed.id);
    assert.deepEqual([meanwhile.status, meanwhile.processed_rows, meanwhile.succeeded_rows], ['PROCESSING', 1, 1]);

    releaseSlowRow();
    const summary = await running;
    assert.deepEqual([summary.status, summary.processedRows, summary.succeededRows], ['PROCESSED', 3, 3]);
    assert.equal(server.requests.length, 3, 'each row sent once');
  });
});
