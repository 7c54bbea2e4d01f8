// An admin's discard is final: a row whose error payload was DISCARDED and that fails again when its
// batch is replayed from the original file keeps its DISCARDED payload, unchanged.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { runErrorPayloadAction } from '../../../nodes/error-payload/actions';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { claimBatches, discardErrorPayload, getBatch, listEvents, openStore, type Store } from '../../../lib/store';
import { employeeRow, HEADER, makeFolders, parkAndClaim, settingsFor, writeCsv } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';

describeEachDatabase('a discarded row failing again', (kind) => {
  let store: Store;
  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });

  it('keeps its DISCARDED error payload when the replay of the original file fails the row again', async () => {
    const server = await TestHttpServer.start();
    const client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 2 });
    try {
      let answer = 'employee 1002 is unknown';
      server.respond((request) => (request.path.includes('/1002/') ? { status: 422, body: { message: answer } } : { status: 200, body: {} }));
      const folders = makeFolders();
      const settings = settingsFor(folders);
      writeCsv(folders, 'discard.csv', [HEADER, employeeRow(1), employeeRow(2), employeeRow(3)]);
      const batch = await parkAndClaim(store, folders, 'discard.csv', OWNER);
      const context = { store, client, owner: OWNER, signal: new AbortController().signal };
      assert.equal((await processBatch(context, batch, settings)).status, 'FAILED');

      const [failed] = await store.knex(store.tables.errorPayload).where('batch_id', batch.id);
      await discardErrorPayload(store, { id: Number(failed.id), reason: 'employee 1002 left the company', actor: 'alice' });
      assert.equal((await getBatch(store, batch.id)).status, 'PROCESSED', 'its only failed row is settled');

      // The admin replays the batch from its original file; the downstream still refuses the row.
      answer = 'employee 1002 is still unknown';
      const replay = await runErrorPayloadAction(store, { action: 'replay', payload: { id: batch.id, from: 'original' }, actor: 'bob', processingFolder: folders.processing });
      assert.equal(replay.action, 'replay');
      const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
      assert.equal(again.id, batch.id);
      const summary = await processBatch(context, again, settings);

      const payloads = await store.knex(store.tables.errorPayload).where('batch_id', batch.id);
      assert.equal(payloads.length, 1, 'the row keeps its one error payload');
      const [kept] = payloads;
      assert.equal(kept.status, 'DISCARDED');
      assert.equal(kept.error, failed.error, 'its error is the one the admin discarded');
      assert.equal(Number(kept.attempts), Number(failed.attempts));
      assert.equal(server.requestsTo((request) => request.path.includes('/1002/')).length, 2, 'the replay did send the row again');

      // The replay's new failure becomes a `row-failed-again` event on the discarded payload, with the new
      // error, and not a payload to fix: DISCARDED is final in the state table (an admin decided the row is
      // not to be sent), and a later run must not overrule that decision. The row still counts as failed in
      // the replay's counters, so the numbers say what happened in that run.
      const events = await listEvents(store, { entity: 'error_payload', entityId: Number(failed.id) });
      const last = events.at(-1)!;
      assert.deepEqual([last.action, last.from_status, last.to_status], ['row-failed-again', 'DISCARDED', 'DISCARDED']);
      assert.match(String(last.detail), /still unknown/);
      assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 2, 1]);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
