// The admin routes under /bsync/ in a real Node-RED, started as `npm start` starts it (the shipped flows, the
// sample batch), with adminAuth: who may look, who may change, what every change leaves in bsync_event, and
// how each route refuses bad input without touching the tables.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startNodeRed, waitFor, type NodeRedProcess } from '../support/node-red-process';

const PASSWORDS = { reader: crypto.randomBytes(12).toString('hex'), operator: crypto.randomBytes(12).toString('hex') };
// reader: Node-RED's read-only user; operator: only our two permissions, nothing else of the editor.
const USERS = { reader: { permissions: 'read' }, operator: { permissions: ['bsync.read', 'bsync.write'] } };

const ADMIN_AUTH = `{
  adminAuth: {
    type: 'credentials',
    users: function (username) {
      var users = ${JSON.stringify(USERS)};
      return Promise.resolve(users[username] ? { username: username, permissions: users[username].permissions } : null);
    },
    authenticate: function (username, password) {
      var users = ${JSON.stringify(USERS)};
      var passwords = ${JSON.stringify(PASSWORDS)};
      return Promise.resolve(users[username] && passwords[username] === password ? { username: username, permissions: users[username].permissions } : null);
    }
  }
}`;

const BATCHES_DISPATCHER = 'batches:employee-bank-connections:*';
const CORRECT_ROW = { employeeNumber: 100237, iban: 'NL91ABNA0417164300', bankIdentifier: 'ABNANL2A', branchIdentifier: '', accountNumber: '0417164301' };

type Method = 'GET' | 'POST' | 'PUT';
interface Call {
  method: Method;
  path: string;
  body?: unknown;
}

/** Every route below /bsync/stores/:store/, with a body each would accept. */
const READS: Call[] = ['batches', 'batches/1', 'error-payloads', 'error-payloads/1', 'dispatchers', 'metrics'].map((path) => ({ method: 'GET', path }));
const WRITES: Call[] = [
  { method: 'POST', path: 'batches/1/retry', body: {} },
  { method: 'POST', path: 'batches/1/cancel', body: {} },
  { method: 'POST', path: 'batches/1/replay', body: { source: 'errors' } },
  { method: 'PUT', path: 'error-payloads/1', body: { payload: CORRECT_ROW } },
  { method: 'POST', path: 'error-payloads/1/ready', body: {} },
  { method: 'POST', path: 'error-payloads/1/discard', body: { reason: 'not ours' } },
  { method: 'POST', path: 'error-payloads/ready', body: { batchId: 1 } },
  { method: 'POST', path: 'error-payloads/discard', body: { batchId: 1, reason: 'not ours' } },
  { method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/pause`, body: {} },
  { method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/resume`, body: {} },
  { method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/throttle`, body: { fetchSize: 3 } },
];

describe('the admin routes with adminAuth', { timeout: 180_000 }, () => {
  let red: NodeRedProcess;
  let storeId: string;
  const tokens: Record<string, string> = {};
  /** Error payloads of the sample: row 4 (an IBAN that is no IBAN) and row 7 (an employee number with a letter). */
  let ibanRow = 0;
  let otherRow = 0;

  async function request(call: Call, user?: keyof typeof PASSWORDS, options: { store?: string; rawBody?: string } = {}) {
    const headers: Record<string, string> = {};
    if (user) headers.authorization = `Bearer ${tokens[user]}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (call.body !== undefined) body = JSON.stringify(call.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = call.path === 'stores' ? `${red.base}/bsync/stores` : `${red.base}/bsync/stores/${options.store ?? storeId}/${call.path}`;
    const response = await fetch(url, { method: call.method, headers, body });
    const text = await response.text();
    let json: { error?: string } & Record<string, unknown> = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = {};
    }
    return { status: response.status, text, json };
  }

  /** Every row of the four tables: what "the tables unchanged" is checked against. */
  function snapshot(): string {
    const db = new Database(red.databaseFile, { readonly: true, fileMustExist: true });
    try {
      return JSON.stringify(['bsync_batch', 'bsync_error_payload', 'bsync_event', 'bsync_control'].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all()));
    } finally {
      db.close();
    }
  }

  function eventsBy(actor: string): { action: string; entity: string; entity_id: string }[] {
    const db = new Database(red.databaseFile, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT action, entity, entity_id FROM bsync_event WHERE actor = ? ORDER BY id').all(actor) as { action: string; entity: string; entity_id: string }[];
    } finally {
      db.close();
    }
  }

  before(async () => {
    // The Database sync tab parks batches of its own now and then: its counts would move the metrics under test.
    red = await startNodeRed({ extraSettings: ADMIN_AUTH, disabledTabs: ['Database sync'] });
    for (const user of Object.keys(PASSWORDS) as (keyof typeof PASSWORDS)[]) {
      const response = await fetch(`${red.base}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username: user, password: PASSWORDS[user] }),
      });
      assert.equal(response.status, 200, `${user} logs in`);
      tokens[user] = ((await response.json()) as { access_token: string }).access_token;
    }
    const stores = await request({ method: 'GET', path: 'stores' }, 'reader');
    assert.equal(stores.status, 200, stores.text);
    storeId = (stores.json.stores as { id: string }[])[0].id;
    // The sample batch of the first start, through the shipped flow: FAILED, its bad rows error payloads
    // (4, or more when the demo API's random 503 outlasted the retries of a row).
    let last = '';
    await waitFor(
      'batch 1 FAILED',
      async () => {
        const batch = await request({ method: 'GET', path: 'batches/1' }, 'reader');
        last = batch.text.slice(0, 500);
        return batch.status === 200 && (batch.json.batch as { status: string }).status === 'FAILED' ? true : undefined;
      },
      90_000,
      () => `last answer: ${last}\n${red.log().slice(-3000)}`,
    );
    const errors = await request({ method: 'GET', path: 'error-payloads?batchId=1' }, 'reader');
    const rows = errors.json.errorPayloads as { id: number; rowNumber: number }[];
    ibanRow = rows.find((row) => row.rowNumber === 4)!.id;
    otherRow = rows.find((row) => row.rowNumber === 7)!.id;
    assert.ok(ibanRow && otherRow, 'rows 4 and 7 of the sample failed the schema');
  });

  after(async () => {
    await red?.stop();
  });

  test('an anonymous request gets 401 on every route, the list of stores too', async () => {
    for (const call of [{ method: 'GET' as const, path: 'stores' }, ...READS, ...WRITES]) {
      const answer = await request(call);
      assert.equal(answer.status, 401, `${call.method} ${call.path}: ${answer.text}`);
    }
  });

  test('a read-only user can look at everything and gets 403, with the reason, on every change; nothing changes', async () => {
    const stores = await request({ method: 'GET', path: 'stores' }, 'reader');
    assert.equal(stores.status, 200);
    assert.deepEqual(Object.keys((stores.json.stores as object[])[0]).sort(), ['client', 'id', 'name', 'state'], 'no connection details, no secrets');
    for (const call of READS) {
      const answer = await request(call, 'reader');
      assert.equal(answer.status, 200, `${call.path}: ${answer.text}`);
    }
    const list = await request({ method: 'GET', path: 'batches?status=FAILED' }, 'reader');
    const [batch] = list.json.batches as Record<string, unknown>[];
    assert.equal(batch.status, 'FAILED');
    assert.equal(batch.failedRows, (await request({ method: 'GET', path: 'error-payloads?batchId=1' }, 'reader')).json.total);
    assert.match(String(batch.createdAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'times in ISO 8601');
    const before = snapshot();
    for (const call of WRITES) {
      const answer = await request(call, 'reader');
      assert.equal(answer.status, 403, `${call.method} ${call.path}: ${answer.text}`);
      assert.match(answer.json.error ?? '', /reader may look but not change: that needs the permission bsync\.write/);
    }
    assert.equal(snapshot(), before, 'the tables are as they were');
  });

  test('bad input on every route: a 4xx with a plain reason, and the tables unchanged', async () => {
    const before = snapshot();
    const refusals: { call: string; status: number; error: string }[] = [];
    const expect = async (what: string, answer: Promise<{ status: number; text: string; json: { error?: string } }>, status: number, reason: RegExp) => {
      const got = await answer;
      assert.equal(got.status, status, `${what}: ${got.text.slice(0, 300)}`);
      assert.match(got.json.error ?? '', reason, `${what}: the reason`);
      refusals.push({ call: what, status: got.status, error: got.json.error! });
    };
    for (const call of [...READS, ...WRITES]) {
      await expect(`${call.method} ${call.path} on an unknown store`, request(call, 'operator', { store: 'nope' }), 404, /^batch store nope does not exist$/);
    }
    for (const call of [...READS, ...WRITES].filter((one) => /\/1(\/|$)/.test(one.path))) {
      const withAbc = { ...call, path: call.path.replace(/\/1(\/|$)/, '/abc$1') };
      await expect(`${withAbc.method} ${withAbc.path}`, request(withAbc, 'operator'), 400, /^"abc" is not an? (batch|error payload) id: ids are whole numbers from 1$/);
    }
    for (const path of ['batches?limit=-1', 'error-payloads?limit=-1']) {
      await expect(`GET ${path}`, request({ method: 'GET', path }, 'operator'), 400, /^limit must be a whole number from 1 to 1000, not "-1"$/);
    }
    await expect('GET batches?status=DONE', request({ method: 'GET', path: 'batches?status=DONE' }, 'operator'), 400, /^unknown batch status "DONE"/);
    await expect('GET batches?colour=red', request({ method: 'GET', path: 'batches?colour=red' }, 'operator'), 400, /^unknown filter "colour"/);
    await expect('GET error-payloads?errorKind=bad', request({ method: 'GET', path: 'error-payloads?errorKind=bad' }, 'operator'), 400, /^unknown error kind "bad"/);
    const fiveMegabytes = JSON.stringify({ payload: 'x'.repeat(5 * 1024 * 1024) });
    for (const call of WRITES) {
      await expect(`${call.method} ${call.path} with a body that is not JSON`, request(call, 'operator', { rawBody: '{"payload": {' }), 400, /^the request body is not valid JSON/);
      await expect(`${call.method} ${call.path} with 5 MB`, request(call, 'operator', { rawBody: fiveMegabytes }), 413, /^the request body is larger than the 5242880 bytes Node-RED takes/);
    }
    await expect('PUT a payload that is a JSON string, not an object', request({ method: 'PUT', path: 'error-payloads/1', body: { payload: '"text"' } }, 'operator'), 400, /must be a JSON object/);
    await expect('PUT a payload of text that is no JSON', request({ method: 'PUT', path: 'error-payloads/1', body: { payload: '{iban:' } }, 'operator'), 400, /is not valid JSON/);
    await expect('PUT without a payload', request({ method: 'PUT', path: 'error-payloads/1', body: { iban: 'x' } }, 'operator'), 400, /does not take "iban"/);
    await expect('cancel a FAILED batch', request({ method: 'POST', path: 'batches/1/cancel', body: {} }, 'operator'), 409, /^batch 1 is FAILED: only NEW, ERROR_RETRY or RETRY batches can be cancelled$/);
    await expect('replay from nowhere', request({ method: 'POST', path: 'batches/1/replay', body: { source: 'elsewhere' } }, 'operator'), 400, /replay needs "source": "errors"/);
    await expect('discard without a reason', request({ method: 'POST', path: 'error-payloads/1/discard', body: {} }, 'operator'), 400, /needs a "reason"/);
    await expect('bulk ready without a filter', request({ method: 'POST', path: 'error-payloads/ready', body: {} }, 'operator'), 400, /needs a filter/);
    await expect('bulk discard of everything', request({ method: 'POST', path: 'error-payloads/discard', body: { reason: 'all' } }, 'operator'), 400, /needs a filter/);
    await expect('throttle with text', request({ method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/throttle`, body: { fetchSize: '10' } }, 'operator'), 400, /^fetchSize must be a whole number from 1 to 1000000, got "10"$/);
    await expect('throttle with a negative number', request({ method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/throttle`, body: { maxInFlight: -1 } }, 'operator'), 400, /^maxInFlight must be a whole number/);
    await expect('pause an unknown dispatcher', request({ method: 'POST', path: 'dispatchers/abc/pause', body: {} }, 'operator'), 404, /^dispatcher abc does not exist$/);
    await expect('a route that does not exist', request({ method: 'GET', path: 'nothing-here' }, 'operator'), 404, /^there is no batch sync admin route/);
    assert.equal(snapshot(), before, 'the tables are as they were');
    assert.ok(refusals.length > 60, `every route was tried (${refusals.length} refusals)`);
  });

  test('a user with bsync.write changes things, and each change is an event naming that user', async () => {
    assert.deepEqual(eventsBy('operator'), [], 'no event of the operator yet');
    const refused = await request({ method: 'PUT', path: `error-payloads/${ibanRow}`, body: { payload: { ...CORRECT_ROW, iban: 'NL00 STILL WRONG' } } }, 'operator');
    assert.equal(refused.status, 422);
    assert.deepEqual(
      (refused.json.validationErrors as { field: string }[]).map((one) => one.field),
      ['iban'],
      'the refusal names its field',
    );
    const corrected = await request({ method: 'PUT', path: `error-payloads/${ibanRow}`, body: { payload: CORRECT_ROW } }, 'operator');
    assert.equal(corrected.status, 200, corrected.text);
    assert.deepEqual((corrected.json.errorPayload as { payload: unknown }).payload, CORRECT_ROW);
    const ready = await request({ method: 'POST', path: `error-payloads/${ibanRow}/ready`, body: {} }, 'operator');
    assert.equal((ready.json.errorPayload as { status: string }).status, 'READY');
    const discarded = await request({ method: 'POST', path: `error-payloads/${otherRow}/discard`, body: { reason: 'employee left' } }, 'operator');
    assert.equal((discarded.json.errorPayload as { status: string }).status, 'DISCARDED');
    const dispatcher = (path: string, body: unknown) => request({ method: 'POST', path: `dispatchers/${encodeURIComponent(BATCHES_DISPATCHER)}/${path}`, body }, 'operator');
    assert.equal(((await dispatcher('pause', {})).json.dispatcher as { paused: boolean }).paused, true);
    const throttled = (await dispatcher('throttle', { fetchSize: 3, maxInFlight: 1 })).json.dispatcher as Record<string, unknown>;
    assert.equal(throttled.fetchSize, 3);
    assert.equal(throttled.maxInFlight, 1);
    assert.equal(throttled.updatedBy, 'operator');
    assert.equal(((await dispatcher('resume', {})).json.dispatcher as { paused: boolean }).paused, false);

    const events = eventsBy('operator');
    assert.deepEqual(
      events.map((event) => `${event.entity}:${event.entity_id}:${event.action}`),
      [
        `error_payload:${ibanRow}:corrected`,
        `error_payload:${ibanRow}:ready`,
        `error_payload:${otherRow}:discarded`,
        `control:${BATCHES_DISPATCHER}:pause`,
        `control:${BATCHES_DISPATCHER}:throttle`,
        `control:${BATCHES_DISPATCHER}:resume`,
      ],
    );
    // The corrected row is resent by the shipped errors dispatcher and accepted by the demo API.
    await waitFor(
      `error payload ${ibanRow} RESOLVED`,
      async () => (((await request({ method: 'GET', path: `error-payloads/${ibanRow}` }, 'reader')).json.errorPayload as { status: string }).status === 'RESOLVED' ? true : undefined),
      30_000,
      () => red.log().slice(-3000),
    );
    const metrics = await request({ method: 'GET', path: 'metrics' }, 'reader');
    assert.match(metrics.text, /^bsync_batches\{status="FAILED"\} 1$/m);
    assert.match(metrics.text, /^bsync_error_payloads\{status="RESOLVED"\} 1$/m);
    assert.match(metrics.text, /^bsync_error_payloads\{status="DISCARDED"\} 1$/m);
    const succeeded = ((await request({ method: 'GET', path: 'batches/1' }, 'reader')).json.batch as { succeededRows: number }).succeededRows;
    assert.match(metrics.text, new RegExp(`^bsync_batch_rows\\{outcome="succeeded"\\} ${succeeded}$`, 'm'));
    assert.match(metrics.text, /^bsync_admin_request_duration_seconds_count\{route="PUT error-payloads\/:id",status="422"\} 1$/m);

    // The rows still open (unknown employee numbers) replayed as a new batch of their own, linked to batch 1.
    const open = (await request({ method: 'GET', path: 'error-payloads?batchId=1&status=NEW' }, 'reader')).json.total as number;
    assert.ok(open > 0);
    const replay = await request({ method: 'POST', path: 'batches/1/replay', body: { source: 'errors', reason: 'payroll knows them now' } }, 'operator');
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.json.rows, open);
    const replayBatch = replay.json.batch as { id: number; status: string; parentBatchId: number };
    assert.deepEqual([replayBatch.status, replayBatch.parentBatchId], ['RETRY', 1]);
    const detail = await request({ method: 'GET', path: 'batches/1' }, 'reader');
    assert.deepEqual((detail.json.lineage as { replays: { id: number }[] }).replays.map((batch) => batch.id), [replayBatch.id]);
    const replayed = (detail.json.events as { action: string; actor: string }[]).filter((event) => event.action === 'replayed');
    assert.deepEqual(replayed.map((event) => event.actor), ['operator']);
    const again = await request({ method: 'POST', path: 'batches/1/replay', body: { source: 'errors' } }, 'operator');
    assert.equal(again.status, 400);
    assert.match(again.json.error ?? '', new RegExp(`already has a replay waiting to finish: batch ${replayBatch.id}`));
  });
});
