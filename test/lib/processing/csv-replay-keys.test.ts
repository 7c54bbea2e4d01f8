// A CSV replay (an error file parked again) keys each row by the origin row its bsync_row_number names; a
// row whose bsync_row_number is missing or not a row number is not sent under a guessed key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { claimBatches, failedRowsOf, openStore, registerBatch, type ErrorPayloadRow, type Store } from '../../../lib/store';
import { employeeRow, makeFolders, settingsFor, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';
const HEADER = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber,bsync_row_number,bsync_error,bsync_quoted';

describeEachDatabase('processBatch, CSV replay keys', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start();
    server.respond(() => ({ status: 200, body: { status: 'SUCCESS' } }));
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
    fs.rmSync(folders.root, { recursive: true, force: true });
  });

  it('sends the rows that name their origin row under its key; one that does not fails as a read error under a key of its own', async () => {
    fs.writeFileSync(path.join(folders.processing, 'bank.csv'), `x\n`);
    const parent = await registerBatch(store, { groupType: 'g', groupId: 'parent', kind: 'file', fileName: 'bank.csv', folder: folders.processing, sha256: 'a'.repeat(64), size: 2, actor: 'test' });
    const fileName = `bank.replay-${parent.id}.csv`;
    const lines = [HEADER, `${employeeRow(4)},4,refused,`, `${employeeRow(7)},,refused,`, `${employeeRow(8)},8x,refused,`, `${employeeRow(9)},0,refused,`, `${employeeRow(12)},12,refused,`];
    fs.writeFileSync(path.join(folders.processing, fileName), lines.join('\r\n') + '\r\n');
    const replay = await registerBatch(store, {
      groupType: 'g',
      groupId: fileName,
      kind: 'file',
      fileName,
      folder: folders.processing,
      sha256: 'b'.repeat(64),
      size: fs.statSync(path.join(folders.processing, fileName)).size,
      parentBatchId: parent.id,
      status: 'RETRY',
      parkedUntil: Date.now(),
      actor: 'test',
    });
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'g', groupId: fileName });
    assert.equal(claimed?.id, replay.id);

    const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settingsFor(folders));

    assert.deepEqual([summary.totalRows, summary.succeededRows, summary.failedRows], [5, 2, 3]);
    const keys = server.requests.map((request) => request.headers['idempotency-key']).sort();
    assert.deepEqual(keys, [`bsync-${parent.id}-12`, `bsync-${parent.id}-4`]);
    const failed: ErrorPayloadRow[] = [];
    for await (const row of failedRowsOf(store, replay.id)) failed.push(row);
    failed.sort((a, b) => a.row_number - b.row_number);
    assert.deepEqual(
      failed.map((row) => [row.row_number, row.error_kind, row.idempotency_key]),
      [2, 3, 4].map((row) => [row, 'read', `bsync-${replay.id}-${row}`]),
      'not the parent row 2, 3 or 4 a guess would have taken',
    );
    assert.match(failed[0].error ?? '', /no valid bsync_row_number/);
    assert.equal(JSON.parse(failed[1].original_payload!).employeeNumber, '1008', 'the row is kept as read');
  });
});
