// Groups of child rows by their parent key, end to end over a loopback API that records every call:
// calls of at most the maximum, in order, path and key from the first row; item results; a failed group as
// one error payload holding its rows; its correction, resend and replay under the same key; a resume that
// starts at a group boundary. SQLite, MariaDB and PostgreSQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { correctPayload, CorrectionRefusedError, replayFailedRows } from '../../../lib/corrections';
import { ApiClient } from '../../../lib/delivery';
import type { GroupSettings } from '../../../lib/grouping';
import { processBatch, resendErrorPayload, type ProcessorSettings } from '../../../lib/processing';
import { claimBatches, claimErrorPayloads, fixStatistics, getBatch, markErrorPayloadReady, openStore, type BatchRow, type Store } from '../../../lib/store';
import { compileRowSchema } from '../../../lib/validation';
import { makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer, type RecordedRequest } from '../../support/http-server';
import { describeEachDatabase, freshDatabaseConfig } from '../../support/stores';

const OWNER = 'runtime-test';
const HEADER = 'contactId,accountId,name,email';
const SCHEMA = JSON.stringify({
  type: 'object',
  required: ['contactId', 'accountId', 'email'],
  properties: { contactId: { type: 'string' }, accountId: { type: 'string' }, email: { type: 'string', pattern: '@' } },
});

/** Contacts c1…: `runs` of [account, count] in file order. */
function contacts(runs: Array<[string, number]>): string[] {
  const lines: string[] = [];
  for (const [account, count] of runs) {
    for (let i = 0; i < count; i += 1) {
      const n = lines.length + 1;
      lines.push(`c${n},${account},Contact ${n},c${n}@example.com`);
    }
  }
  return lines;
}

const idsIn = (request: RecordedRequest) => (JSON.parse(request.body) as Array<{ id: string }>).map((item) => item.id);
const keyOf = (request: RecordedRequest) => String(request.headers['idempotency-key']);

describeEachDatabase('grouped batches', (kind) => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig(kind));
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 8 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
  });

  function groupedSettings(group: Partial<GroupSettings> = {}, overrides: Partial<ProcessorSettings> = {}): ProcessorSettings {
    return settingsFor(folders, {
      request: { method: 'POST', pathTemplate: '/accounts/{accountId}/contacts' },
      validator: compileRowSchema(SCHEMA),
      rowSchema: SCHEMA,
      // The mapping gets the group's list: one item per row, in order.
      map: async (rows) => (rows as unknown as Array<Record<string, string>>).map((row) => ({ id: row.contactId, name: row.name, email: row.email })),
      group: { columns: ['accountId'], maxRows: 100, ...group },
      ...overrides,
    });
  }

  const run = (batch: BatchRow, settings: ProcessorSettings, signal = new AbortController().signal, cancel?: AbortSignal) =>
    processBatch({ store, client, owner: OWNER, signal, cancel }, batch, settings);

  async function payloadsOf(batchId: number) {
    const rows = await store.knex(store.tables.errorPayload).where('batch_id', batchId).orderBy('row_number');
    return rows.map((row) => ({
      id: Number(row.id),
      rowNumber: Number(row.row_number),
      rowCount: Number(row.row_count),
      key: String(row.idempotency_key),
      status: String(row.status),
      errorKind: String(row.error_kind),
      payload: row.payload === null ? null : JSON.parse(String(row.payload)),
      error: String(row.error),
    }));
  }

  it('sends a parent of 250 children in 3 calls of 100, 100, 50 in order, the path and key from each first row; another parent and its return start new calls', async () => {
    server.requests.length = 0;
    server.respond(() => ({ status: 201, body: {} }));
    writeCsv(folders, 'contacts.csv', [HEADER, ...contacts([['A-1', 250], ['A-2', 20], ['A-1', 5]])]);
    const batch = await parkAndClaim(store, folders, 'contacts.csv');
    const summary = await run(batch, groupedSettings({}, { concurrency: 1, windowRows: 50 }));

    assert.deepEqual([summary.status, summary.processedRows, summary.succeededRows, summary.failedRows], ['PROCESSED', 275, 275, 0]);
    assert.deepEqual(
      server.requests.map((request) => [request.path, keyOf(request), idsIn(request).length, idsIn(request)[0]]),
      [
        ['/accounts/A-1/contacts', `bsync-${batch.id}-1`, 100, 'c1'],
        ['/accounts/A-1/contacts', `bsync-${batch.id}-101`, 100, 'c101'],
        ['/accounts/A-1/contacts', `bsync-${batch.id}-201`, 50, 'c201'],
        ['/accounts/A-2/contacts', `bsync-${batch.id}-251`, 20, 'c251'],
        ['/accounts/A-1/contacts', `bsync-${batch.id}-271`, 5, 'c271'],
      ],
    );
    assert.deepEqual(server.requests.flatMap(idsIn), contacts([['x', 275]]).map((_, i) => `c${i + 1}`), 'every row once, in file order');
    assert.equal((await getBatch(store, batch.id)).checkpoint_row, 275);
  });

  it('with item results, the 2 items the answer names fail on their own (their rows, keys and elements) and the rest succeed', async () => {
    server.requests.length = 0;
    server.respond((request) => {
      const ids = idsIn(request);
      return { status: 200, body: { failed: [{ index: ids.indexOf('c3'), error: 'email already taken' }, ids.indexOf('c7')] } };
    });
    writeCsv(folders, 'items.csv', [HEADER, ...contacts([['B-1', 10]])]);
    const batch = await parkAndClaim(store, folders, 'items.csv');
    const summary = await run(batch, groupedSettings({ itemResults: async (body) => (body as { failed: unknown }).failed }));

    assert.equal(server.requests.length, 1);
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 8, 2]);
    const payloads = await payloadsOf(batch.id);
    assert.deepEqual(
      payloads.map((row) => [row.rowNumber, row.rowCount, row.key, row.errorKind, row.payload, row.error]),
      [
        [3, 1, `bsync-${batch.id}-3`, 'rejected', { id: 'c3', name: 'Contact 3', email: 'c3@example.com' }, 'email already taken'],
        [7, 1, `bsync-${batch.id}-7`, 'rejected', { id: 'c7', name: 'Contact 7', email: 'c7@example.com' }, 'the downstream reported this item as failed'],
      ],
    );
  });

  it('an item result outside the call fails the group whole, said plainly', async () => {
    server.requests.length = 0;
    server.respond(() => ({ status: 200, body: { failed: [12] } }));
    writeCsv(folders, 'outside.csv', [HEADER, ...contacts([['B-2', 4]])]);
    const batch = await parkAndClaim(store, folders, 'outside.csv');
    const summary = await run(batch, groupedSettings({ itemResults: async (body) => (body as { failed: unknown }).failed }));
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 0, 4]);
    const [payload] = await payloadsOf(batch.id);
    assert.deepEqual([payload.rowNumber, payload.rowCount], [1, 4]);
    assert.match(payload.error, /position 12, but the call sent 4 items/);
  });

  it('a group the API refuses (422) is one error payload of its rows; a row failing validation is its own and the rest of its group is sent; correction and resend send the group again under its key', async () => {
    server.requests.length = 0;
    server.respond((request) => (request.path === '/accounts/C-2/contacts' ? { status: 422, body: { code: 'ACCOUNT_LOCKED', message: 'account C-2 is locked' } } : { status: 201, body: {} }));
    const lines = contacts([['C-1', 5], ['C-2', 30], ['C-3', 5]]);
    lines[11] = 'c12,C-2,Contact 12,no-email'; // row 12: fails the schema
    writeCsv(folders, 'refused.csv', [HEADER, ...lines]);
    const batch = await parkAndClaim(store, folders, 'refused.csv');
    const summary = await run(batch, groupedSettings());

    assert.deepEqual([summary.status, summary.processedRows, summary.succeededRows, summary.failedRows], ['FAILED', 40, 10, 30]);
    const refused = server.requests.find((request) => request.path === '/accounts/C-2/contacts')!;
    assert.equal(idsIn(refused).length, 29);
    assert.equal(idsIn(refused).includes('c12'), false, 'the invalid row is not sent');
    const payloads = await payloadsOf(batch.id);
    assert.deepEqual(
      payloads.map((row) => [row.rowNumber, row.rowCount, row.key, row.errorKind]),
      [
        [6, 29, `bsync-${batch.id}-6`, 'permanent'],
        [12, 1, `bsync-${batch.id}-12`, 'validation'],
      ],
    );
    assert.deepEqual(payloads[0].payload, JSON.parse(refused.body), 'the group payload is the body sent');
    assert.match(payloads[0].error, /422/);

    assert.equal((await fixStatistics(store, [batch.id])).get(batch.id)!.failed, 30, 'the fix statistics count rows, as the batch does');

    // The error file has every row of the group, and the invalid one.
    const stored = await getBatch(store, batch.id);
    const errorLines = fs.readFileSync(stored.error_file!, 'utf8').trim().split('\n');
    assert.equal(errorLines.length, 1 + 30);

    // A correction is the list, checked item by item against the row schema.
    const group = payloads[0];
    const corrected = (group.payload as Array<Record<string, string>>).map((item) => ({ contactId: item.id, accountId: 'C-2', email: item.email }));
    await assert.rejects(
      correctPayload(store, { id: group.id, payload: [...corrected.slice(0, 2), { ...corrected[2], email: 'broken' }], actor: 'admin' }),
      (error: unknown) => error instanceof CorrectionRefusedError && /^item 2: /.test(error.errors[0]),
    );
    await correctPayload(store, { id: group.id, payload: corrected, actor: 'admin' });
    await markErrorPayloadReady(store, { id: group.id, actor: 'admin' });

    server.requests.length = 0;
    server.respond(() => ({ status: 201, body: {} }));
    const [claimed] = await claimErrorPayloads(store, { owner: OWNER, leaseMs: 60_000, limit: 1 });
    assert.equal(claimed.id, group.id);
    const settled = await resendErrorPayload({ store, client, owner: OWNER }, claimed, groupedSettings());
    assert.equal(settled.status, 'RESOLVED');
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].path, '/accounts/C-2/contacts');
    assert.equal(keyOf(server.requests[0]), `bsync-${batch.id}-6`);
    assert.deepEqual(JSON.parse(server.requests[0].body), corrected, 'the stored list as corrected, sent as it is');
    const fixed = (await fixStatistics(store, [batch.id])).get(batch.id)!;
    assert.deepEqual([fixed.resolved, fixed.open], [29, 1], 'the resent group resolves its 29 rows; the invalid row is still open');
  });

  it('a replay groups the failed group\'s rows again: the same first row, the same key, the same rows', async () => {
    server.requests.length = 0;
    let refuse = true;
    server.respond((request) => (refuse && request.path === '/accounts/D-2/contacts' ? { status: 422, body: {} } : { status: 201, body: {} }));
    writeCsv(folders, 'replayed.csv', [HEADER, ...contacts([['D-1', 3], ['D-2', 12]])]);
    const parent = await parkAndClaim(store, folders, 'replayed.csv');
    const first = await run(parent, groupedSettings());
    assert.deepEqual([first.status, first.failedRows], ['FAILED', 12]);
    const sentFirst = server.requests.find((request) => request.path === '/accounts/D-2/contacts')!;

    refuse = false;
    server.requests.length = 0;
    const replay = await replayFailedRows(store, { batchId: parent.id, processingFolder: folders.processing, actor: 'admin' });
    assert.equal(replay.rows, 12);
    const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: replay.batch.group_type, groupId: replay.batch.group_id ?? undefined });
    assert.equal(claimed.id, replay.batch.id);
    const summary = await run(claimed, groupedSettings());
    assert.deepEqual([summary.status, summary.succeededRows], ['PROCESSED', 12]);
    assert.equal(server.requests.length, 1);
    assert.equal(keyOf(server.requests[0]), `bsync-${parent.id}-4`);
    assert.equal(server.requests[0].body, sentFirst.body);
    const [held] = await payloadsOf(parent.id);
    assert.equal(held.status, 'RESOLVED', 'the replay settles the parent\'s group payload');
    assert.equal((await getBatch(store, parent.id)).status, 'PROCESSED');
  });

  it('a run cut off mid-batch resumes at a group boundary and sends the cut-off group again whole, with its key', async () => {
    server.requests.length = 0;
    let hang = true;
    let cutOff!: () => void;
    const secondCall = new Promise<void>((resolve) => (cutOff = resolve));
    server.respond((request) => {
      if (hang && keyOf(request).endsWith('-101')) {
        cutOff();
        return { hang: true };
      }
      return { status: 201, body: {} };
    });
    writeCsv(folders, 'resumed.csv', [HEADER, ...contacts([['E-1', 230]])]);
    const batch = await parkAndClaim(store, folders, 'resumed.csv');
    const closing = new AbortController();
    const cancel = new AbortController();
    const settings = groupedSettings({}, { concurrency: 1, windowRows: 1 });
    const running = run(batch, settings, closing.signal, cancel.signal);
    await secondCall;
    closing.abort();
    cancel.abort();
    const stopped = await running;
    assert.equal(stopped.status, 'ERROR_RETRY');
    assert.equal((await getBatch(store, batch.id)).checkpoint_row, 100, 'the checkpoint is at the end of the first group, not inside the second');

    hang = false;
    server.requests.length = 0;
    const [again] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: batch.group_type, groupId: batch.group_id ?? undefined });
    assert.equal(again.id, batch.id);
    const resumed = await run(again, settings);
    assert.deepEqual([resumed.status, resumed.succeededRows, resumed.failedRows], ['PROCESSED', 230, 0]);
    assert.deepEqual(
      server.requests.map((request) => [keyOf(request), idsIn(request).length]),
      [
        [`bsync-${batch.id}-101`, 100],
        [`bsync-${batch.id}-201`, 30],
      ],
    );
  });
});
