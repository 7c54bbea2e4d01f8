// A checkpoint window is written once a window's worth of rows can go in it, not each time a row settles
// while rows behind a slow one wait: here every 20th row is answered late, so the rows after it settle
// first, and a window written whenever 100 rows waited took only the rows up to the next slow one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { openStore, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const ROWS = 2000;
const WINDOW_ROWS = 100;
const SLOW_EVERY = 20;
const SLOW_MS = 15;

describeEachDatabase('checkpoint window size', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start({
      respond: async (request) => {
        const employee = Number(request.path.split('/')[2]);
        if ((employee - 1000) % SLOW_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
        return { status: 201, body: {} };
      },
    });
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 30_000, connections: 16 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('writes full windows while slow rows hold the checkpoint back', async () => {
    writeCsv(folders, 'slow-rows.csv', [HEADER, ...Array.from({ length: ROWS }, (_, i) => employeeRow(i + 1))]);
    const claimed = await parkAndClaim(store, folders, 'slow-rows.csv');
    const written: number[] = [];
    const summary = await processBatch(
      {
        store,
        client,
        owner: 'runtime-test',
        signal: new AbortController().signal,
        onProgress: (progress) => {
          if (progress.processedRows !== written[written.length - 1]) written.push(progress.processedRows);
        },
      },
      claimed,
      settingsFor(folders, { concurrency: 16, windowRows: WINDOW_ROWS }),
    );
    assert.deepEqual([summary.status, summary.processedRows, summary.succeededRows], ['PROCESSED', ROWS, ROWS]);
    assert.equal(server.requests.length, ROWS, 'each row sent once');
    const windows = written.filter((rows) => rows > 0).map((rows, i, all) => rows - (all[i - 1] ?? 0));
    // The last window, and one the timer wrote on a slow machine, may be short; the rest are full.
    const short = windows.slice(0, -1).filter((rows) => rows < WINDOW_ROWS);
    assert.ok(short.length <= 2, `windows of ${windows.join(', ')} rows`);
    assert.ok(windows.length <= ROWS / WINDOW_ROWS + 3, `${windows.length} windows for ${ROWS} rows of ${WINDOW_ROWS}`);
  });
});
