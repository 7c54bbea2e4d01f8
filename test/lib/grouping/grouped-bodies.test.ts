// What a grouped run sends and keeps, value for value: every call's path, key and body, and the stored
// original of each failed row and group, against what the test builds itself from the file's fields in the
// plainest way (an object per row, JSON.stringify). Guards the cheaper per-row work of the grouped path (the
// row's original written directly, the path filled once per parent, the flat validation copy, the group's
// original written only on failure): none of it may change a byte. The bodies do not depend on the store:
// SQLite only.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../../../lib/delivery';
import { processBatch } from '../../../lib/processing';
import { openStore, type Store } from '../../../lib/store';
import { compileRowSchema } from '../../../lib/validation';
import { makeFolders, parkAndClaim, settingsFor, writeCsv, type Folders } from '../../support/batch-fixture';
import { TestHttpServer } from '../../support/http-server';
import { freshDatabaseConfig } from '../../support/stores';

// A column named like an array index ("1") is put first by JSON.stringify, whatever the header's order.
const COLUMNS = ['contactId', 'accountId', '1', 'name', 'amount'];
const SCHEMA = {
  type: 'object',
  required: ['contactId', 'accountId'],
  properties: { contactId: { type: 'string' }, accountId: { type: 'string' }, amount: { type: 'number' }, currency: { type: 'string', default: 'EUR' } },
};
const REFUSED_ACCOUNT = 'B "refused"';

/** The file's data rows, field by field, sorted by account; some ragged, one not a plain number. */
const ROWS: string[][] = [
  ['c1', 'A 1/x', 'one', 'Zoë "Z" Ünal', '12.50'],
  ['c2', 'A 1/x', '', 'line\nbreak, comma', '-0.5'],
  ['c3', 'A 1/x', 'x', 'back\\slash 😀', '7'],
  ['c4', 'A 1/x', 'y', 'not plain', '1e3'],
  ['c5', 'A 1/x', 'z', 'fourth of A', '3'],
  ['c6', REFUSED_ACCOUNT, 'r', 'refused one', '1'],
  ['c7', REFUSED_ACCOUNT, 'r', 'ragged', '2', 'EXTRA'],
  ['c8', REFUSED_ACCOUNT, 's', 'refused two', '2'],
  ['c9', 'Ω', 'short'],
  ['c10', 'Ω', 'w', '', '0'],
];

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The row by column as the test reads its own fields (JSON.stringify orders "1" first by itself). */
function recordOf(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  COLUMNS.forEach((column, index) => {
    if (index < fields.length) record[column] = fields[index];
  });
  return record;
}

function originalOf(fields: string[]): string {
  const record: Record<string, unknown> = recordOf(fields);
  if (fields.length === COLUMNS.length) return JSON.stringify(record);
  return JSON.stringify({ ...record, bsync_fields: fields, bsync_columns: COLUMNS });
}

/** What the schema makes of a row: the amount a number, the currency defaulted at the end. */
function validatedOf(fields: string[]): Record<string, unknown> {
  const value: Record<string, unknown> = recordOf(fields);
  if (value.amount !== undefined) value.amount = Number(value.amount);
  value.currency = 'EUR';
  return value;
}

describe('a grouped run sends and keeps exactly the values read', () => {
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;

  before(async () => {
    store = await openStore(await freshDatabaseConfig('sqlite'));
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 4 });
    folders = makeFolders();
  });
  after(async () => {
    await client.close();
    await server.stop();
    await store.close();
  });

  it('every body, path and key, and every stored original, as built from the fields', async () => {
    server.respond((request) => (request.path.startsWith(`/accounts/${encodeURIComponent(REFUSED_ACCOUNT)}/`) ? { status: 422, body: { error: 'refused' } } : { status: 201, body: {} }));
    writeCsv(folders, 'contacts.csv', [COLUMNS.join(','), ...ROWS.map((fields) => fields.map(csvField).join(','))]);
    const batch = await parkAndClaim(store, folders, 'contacts.csv');
    const summary = await processBatch({ store, client, owner: 'runtime-test', signal: new AbortController().signal }, batch, {
      ...settingsFor(folders, {
        request: { method: 'POST', pathTemplate: '/accounts/{accountId}/contacts' },
        validator: compileRowSchema(SCHEMA),
        rowSchema: JSON.stringify(SCHEMA),
        // The whole validated rows go out: any value changed on the way shows in the body.
        map: async (rows) => (rows as unknown as unknown[]).map((row) => ({ row })),
        group: { columns: ['accountId'], maxRows: 3 },
        concurrency: 2,
      }),
    });
    assert.deepEqual([summary.status, summary.succeededRows, summary.failedRows], ['FAILED', 5, 5]);

    // Rows 4 (1e3), 7 (ragged) and 9 (short) fail before sending and join no group; A's run is cut at 3.
    const groups = [[1, 2, 3], [5], [6, 8], [10]];
    const key = (row: number) => `bsync-${batch.id}-${row}`;
    const expected = groups.map((rows) => ({
      path: `/accounts/${encodeURIComponent(ROWS[rows[0] - 1][1])}/contacts`,
      key: key(rows[0]),
      body: JSON.stringify(rows.map((row) => ({ row: validatedOf(ROWS[row - 1]) }))),
    }));
    const sent = server.requests.map((request) => ({ path: request.path, key: String(request.headers['idempotency-key']), body: request.body }));
    assert.deepEqual(
      sent.sort((a, b) => a.key.localeCompare(b.key)),
      expected.sort((a, b) => a.key.localeCompare(b.key)),
    );

    const stored = await store.knex(store.tables.errorPayload).where('batch_id', batch.id).orderBy('row_number');
    const refusedGroup = `[${[6, 8].map((row) => `{"rowNumber":${row},"idempotencyKey":${JSON.stringify(key(row))},"original":${originalOf(ROWS[row - 1])}}`).join(',')}]`;
    assert.deepEqual(
      stored.map((row) => [Number(row.row_number), String(row.error_kind), String(row.original_payload)]),
      [
        [4, 'validation', originalOf(ROWS[3])],
        [6, 'permanent', refusedGroup],
        [7, 'validation', originalOf(ROWS[6])],
        [9, 'validation', originalOf(ROWS[8])],
      ],
    );
    assert.equal(JSON.parse(String(stored[1].original_payload))[0].original['1'], 'r', 'the array-index column is kept under its name');
  });
});
