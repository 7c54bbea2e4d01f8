// All or nothing against a downstream that keeps its records: nothing is sent when a row is bad; a row the
// API refuses undoes every row applied before it (the API holds none afterwards); an undo that fails is
// kept as an error payload; applied rows recorded before a stop are undone by the resumed run.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ApiClient } from '../../../../lib/delivery';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../../../lib/processing';
import { claimBatches, claimErrorPayloads, discardErrorPayload, getBatch, listEvents, markErrorPayloadReady, openStore, type BatchRow, type Store } from '../../../../lib/store';
import { compileRowSchema } from '../../../../lib/validation';
import { makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../../support/batch-fixture';
import { ContactRecordsApi, type ContactRecordsApiOptions } from '../../../support/contact-records-api';
import { describeEachDatabase, freshDatabaseConfig } from '../../../support/stores';

const OWNER = 'runtime-aon';
const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['contactNo', 'name', 'email'],
  properties: { contactNo: { type: 'string', pattern: '^K[0-9]{4}$' }, name: { type: 'string', minLength: 1 }, email: { type: 'string', pattern: '@' } },
});

function contact(i: number, email = `c${i}@example.com`): string {
  return `K${String(i).padStart(4, '0')},Contact ${i},${email}`;
}

function contacts(count: number, bad: Record<number, string> = {}): string[] {
  return ['contactNo,name,email', ...Array.from({ length: count }, (_, i) => bad[i + 1] ?? contact(i + 1))];
}

/** The row number an undo's key names (`bsync-<batch>-<row>-undo`). */
function undoRow(request: { headers: Record<string, unknown> }): number {
  const match = /^bsync-\d+-(\d+)-undo$/.exec(String(request.headers['idempotency-key']));
  assert.ok(match, `an undo key: ${String(request.headers['idempotency-key'])}`);
  return Number(match[1]);
}

describeEachDatabase('all or nothing', (kind) => {
  let store: Store;
  let api: ContactRecordsApi;
  let client: ApiClient;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
  });
  after(async () => {
    await store.close();
  });

  async function withApi(options: ContactRecordsApiOptions, test: (folders: Folders) => Promise<void>): Promise<void> {
    api = await ContactRecordsApi.start(options);
    client = new ApiClient({ baseUrl: api.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 8 });
    try {
      await test(makeFolders());
    } finally {
      await client.close();
      await api.stop();
    }
  }

  function settings(folders: Folders, overrides: Partial<ProcessorSettings> = {}): ProcessorSettings {
    return settingsFor(folders, {
      request: { method: 'POST', pathTemplate: '/contacts' },
      validator: compileRowSchema(SCHEMA),
      rowSchema: SCHEMA,
      concurrency: 1,
      windowRows: 10,
      targetKey: { from: 'location' },
      allOrNothing: { compensation: { method: 'DELETE', pathTemplate: '/contacts/{targetKey}' } },
      ...overrides,
    });
  }

  function run(batch: BatchRow, processorSettings: ProcessorSettings, signal = new AbortController().signal) {
    return processBatch({ store, client, owner: OWNER, signal }, batch, processorSettings);
  }

  async function actions(batchId: number): Promise<string[]> {
    return (await listEvents(store, { batchId, limit: 10_000 })).map((event) => event.action);
  }

  async function payloads(batchId: number): Promise<Record<string, unknown>[]> {
    return store.knex(store.tables.errorPayload).where('batch_id', batchId).orderBy('row_number');
  }

  it('sends nothing when a row is invalid, and stores every bad row as an error payload', () =>
    withApi({}, async (folders) => {
      writeCsv(folders, 'invalid.csv', contacts(100, { 7: contact(7, 'no-at-sign'), 42: 'K42,Contact 42,c42@example.com', 99: contact(99, 'nope') }));
      const batch = await parkAndClaim(store, folders, 'invalid.csv', OWNER);
      const summary = await run(batch, settings(folders));

      assert.equal(summary.status, 'FAILED');
      assert.equal(api.server.requests.length, 0, 'not one request');
      assert.equal(summary.error, 'all or nothing: 3 of 100 rows cannot be sent (rows 7, 42, 99); nothing was sent');
      const stored = await payloads(batch.id);
      assert.deepEqual(stored.map((p) => [Number(p.row_number), p.error_kind, p.status]), [
        [7, 'validation', 'NEW'],
        [42, 'validation', 'NEW'],
        [99, 'validation', 'NEW'],
      ]);
      assert.equal(JSON.parse(String(stored[1].original_payload)).contactNo, 'K42');
      const after = await getBatch(store, batch.id);
      assert.deepEqual([after.status, after.checkpoint_row, after.failed_rows, after.succeeded_rows], ['FAILED', 0, 3, 0]);
      assert.equal(after.folder, folders.processing, 'the file stays where it was, for a fix');
      assert.ok(!(await actions(batch.id)).includes('rows-applied'));
    }));

  it('undoes rows 1–59 in reverse when the API refuses row 60, and ends FAILED with the reason', () =>
    withApi({ refuseCreate: (record) => (record.contactNo === 'K0060' ? { status: 422, body: { message: 'email domain not accepted' } } : undefined) }, async (folders) => {
      writeCsv(folders, 'refused.csv', contacts(100));
      const batch = await parkAndClaim(store, folders, 'refused.csv', OWNER);
      const summary = await run(batch, settings(folders));

      assert.equal(summary.status, 'FAILED');
      assert.equal(api.creates().length, 60, 'rows after the refused one are not sent');
      assert.equal(api.records.size, 0, 'the API holds none of the applied rows');
      assert.deepEqual(api.deletes().map(undoRow), Array.from({ length: 59 }, (_, i) => 59 - i), 'undone newest first');
      assert.ok(api.deletes().every((request) => /^\/contacts\/c\d+$/.test(request.path)));
      assert.match(summary.error ?? '', /^row 60: .*422.*; 59 applied rows compensated$/);
      const events = await listEvents(store, { batchId: batch.id, limit: 10_000 });
      const compensated = events.filter((event) => event.action === 'compensated');
      assert.equal(compensated.length, 59);
      assert.deepEqual(JSON.parse(compensated[0].detail!), {
        rowNumber: 59,
        targetKey: 'c59',
        method: 'DELETE',
        path: '/contacts/c59',
        idempotencyKey: `bsync-${batch.id}-59-undo`,
        httpStatus: 204,
      });
      const stored = await payloads(batch.id);
      assert.deepEqual(stored.map((p) => [Number(p.row_number), p.error_kind, Number(p.http_status)]), [[60, 'permanent', 422]]);
      const after = await getBatch(store, batch.id);
      assert.equal(after.status, 'FAILED');
      assert.equal(after.error, summary.error);
      assert.equal(after.lease_owner, null);
    }));

  it('stays FAILED when the refused row was the last and is discarded: its other rows were undone, not delivered', () =>
    withApi({ refuseCreate: (record) => (record.contactNo === 'K0005' ? { status: 422, body: { message: 'refused' } } : undefined) }, async (folders) => {
      writeCsv(folders, 'last-refused.csv', contacts(5));
      const batch = await parkAndClaim(store, folders, 'last-refused.csv', OWNER);
      const summary = await run(batch, settings(folders));
      assert.equal(summary.status, 'FAILED');
      assert.equal(api.records.size, 0);
      const [refused] = await payloads(batch.id);
      assert.equal(Number(refused.row_number), 5);
      await discardErrorPayload(store, { id: Number(refused.id), reason: 'not needed', actor: 'admin' });
      assert.equal((await getBatch(store, batch.id)).status, 'FAILED', 'not PROCESSED: rows 1-4 were undone');
    }));

  it('keeps an undo the API keeps refusing as a compensation error payload, and sends that undo (not the row) once it is READY', () => {
    let locked = true;
    return withApi(
      {
        refuseCreate: (record) => (record.contactNo === 'K0060' ? { status: 422, body: { message: 'refused' } } : undefined),
        refuseDelete: (id) => (locked && id === 'c10' ? { status: 500, body: { message: 'database locked' } } : undefined),
      },
      async (folders) => {
        writeCsv(folders, 'undo-fails.csv', contacts(80));
        const batch = await parkAndClaim(store, folders, 'undo-fails.csv', OWNER);
        const summary = await run(batch, settings(folders));

        assert.equal(summary.status, 'FAILED');
        assert.deepEqual([...api.records.keys()], ['c10'], 'only the record whose undo failed is left');
        assert.equal(api.deletes().filter((request) => request.path === '/contacts/c10').length, 3, 'the undo was retried up to the attempts');
        assert.match(summary.error ?? '', /^row 60: .*; 58 applied rows compensated; 1 could not be undone/);
        const kept = (await payloads(batch.id)).find((p) => p.error_kind === 'compensation');
        assert.ok(kept, 'a compensation error payload');
        assert.equal(Number(kept.row_number), 10);
        assert.equal(kept.status, 'NEW');
        assert.equal(Number(kept.http_status), 500);
        assert.equal(kept.idempotency_key, `bsync-${batch.id}-10-undo`);
        assert.deepEqual(JSON.parse(String(kept.payload)).compensation, {
          rowNumber: 10,
          targetKey: 'c10',
          method: 'DELETE',
          path: '/contacts/c10',
          idempotencyKey: `bsync-${batch.id}-10-undo`,
        });
        assert.match(String(kept.error), /row 10 was applied and its undo DELETE \/contacts\/c10 failed/);
        assert.equal((await actions(batch.id)).filter((action) => action === 'compensated').length, 58);

        // The downstream is fixed; an admin marks the undo READY and an errors-mode dispatcher resends it.
        locked = false;
        const creates = api.creates().length;
        await markErrorPayloadReady(store, { id: Number(kept.id), actor: 'admin' });
        const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type });
        assert.equal(Number(claimed?.id), Number(kept.id));
        const settled = await resendErrorPayload({ store, client, owner: OWNER }, claimed, settings(folders));
        assert.equal(settled.status, 'RESOLVED');
        assert.equal(api.records.size, 0, 'the undo was sent');
        assert.equal(api.creates().length, creates, 'and not the row');
        assert.equal(api.deletes().at(-1)?.headers['idempotency-key'], `bsync-${batch.id}-10-undo`);
      },
    );
  });

  it('undoes rows applied before a stop: what undoes them is in the store, not in the run', () => {
    const stopping = new AbortController();
    return withApi(
      {
        refuseCreate: (record) => (record.contactNo === 'K0060' ? { status: 422, body: { message: 'refused' } } : undefined),
        onRequest: () => {
          if (api.creates().length === 25) stopping.abort();
        },
      },
      async (folders) => {
        writeCsv(folders, 'resumed.csv', contacts(70));
        const batch = await parkAndClaim(store, folders, 'resumed.csv', OWNER);
        const first = await run(batch, settings(folders), stopping.signal);
        assert.equal(first.status, 'ERROR_RETRY');
        const parked = await getBatch(store, batch.id);
        assert.ok(parked.checkpoint_row >= 25 && parked.checkpoint_row < 60, `stopped part way (${parked.checkpoint_row})`);
        assert.equal(api.records.size, parked.checkpoint_row);

        const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
        assert.equal(again?.id, batch.id);
        const second = await run(again, settings(folders));
        assert.equal(second.status, 'FAILED');
        assert.equal(api.records.size, 0, 'the rows of both runs are undone');
        assert.deepEqual(api.deletes().map(undoRow), Array.from({ length: 59 }, (_, i) => 59 - i));
        assert.match(second.error ?? '', /; 59 applied rows compensated$/);
      },
    );
  });

  it('undoes a row applied past one held by an outage: a refused row, then the downstream down, then the resume', () => {
    let down = true;
    return withApi(
      {
        refuseCreate: (record) => {
          if (record.contactNo === 'K0020') return { status: 422, body: { message: 'refused' }, delayMs: 150 };
          if (record.contactNo === 'K0021' && down) return { status: 503, body: 'maintenance' };
          return undefined;
        },
      },
      async (folders) => {
        writeCsv(folders, 'held.csv', contacts(40));
        const batch = await parkAndClaim(store, folders, 'held.csv', OWNER);
        // Rows 20, 21 and 22 go out together: 21's 503 opens the breaker (held for the resume), 22 is applied.
        const first = await run(batch, settings(folders, { concurrency: 3, breakerThreshold: 1, windowRows: 1000, errorRetryDelayMs: 0 }));
        assert.equal(first.status, 'ERROR_RETRY');
        const parked = await getBatch(store, batch.id);
        assert.equal(parked.checkpoint_row, 20, 'row 20 failed and is settled; row 21 is held');
        const applied = [...api.records.values()].map((record) => record.contactNo);
        assert.ok(applied.includes('K0022'), `row 22 was applied past the held row (${applied.length} applied)`);

        down = false;
        const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
        const second = await run(again, settings(folders, { concurrency: 3 }));
        assert.equal(second.status, 'FAILED');
        assert.equal(api.records.size, 0, 'row 22 is undone too');
        assert.equal(api.creates().filter((request) => JSON.parse(request.body).contactNo === 'K0021').length, 1, 'the held row is not sent again: the batch is being undone');
        assert.match(second.error ?? '', /^row 20: /);
      },
    );
  });

  it('re-parks the batch when the downstream is down (circuit open), without undoing anything', () =>
    withApi({ refuseCreate: (record) => (Number(String(record.contactNo).slice(1)) >= 30 ? { status: 503, body: 'maintenance' } : undefined) }, async (folders) => {
      writeCsv(folders, 'down.csv', contacts(50));
      const batch = await parkAndClaim(store, folders, 'down.csv', OWNER);
      // The breaker opens during row 30's retries: the row is held, not failed.
      const summary = await run(batch, settings(folders, { breakerThreshold: 3, retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 } }));
      assert.equal(summary.status, 'ERROR_RETRY');
      assert.equal(api.deletes().length, 0);
      assert.equal(api.records.size, 29);
      const after = await getBatch(store, batch.id);
      assert.deepEqual([after.status, after.checkpoint_row, after.failed_rows], ['ERROR_RETRY', 29, 0]);
      assert.ok(!(await actions(batch.id)).includes('compensation-due'));
      assert.equal((await payloads(batch.id)).length, 0);
    }));

  it('without the option, a refused row fails alone and every other row is sent, as before', () =>
    withApi({ refuseCreate: (record) => (record.contactNo === 'K0060' ? { status: 422, body: { message: 'refused' } } : undefined) }, async (folders) => {
      writeCsv(folders, 'plain.csv', contacts(100, { 7: contact(7, 'no-at-sign') }));
      const batch = await parkAndClaim(store, folders, 'plain.csv', OWNER);
      const summary = await run(batch, settings(folders, { allOrNothing: undefined, targetKey: undefined, concurrency: 4 }));
      assert.equal(summary.status, 'FAILED');
      assert.equal(api.creates().length, 99, 'every valid row is sent');
      assert.equal(api.records.size, 98);
      assert.equal(api.deletes().length, 0);
      assert.deepEqual([summary.processedRows, summary.succeededRows, summary.failedRows], [100, 98, 2]);
      const recorded = await actions(batch.id);
      assert.ok(!recorded.some((action) => ['rows-applied', 'compensation-due', 'compensated'].includes(action)));
    }));
});
