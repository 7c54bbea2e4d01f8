import assert from 'node:assert/strict';
import type { BatchView, ErrorPayloadView } from '../../lib/messages';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { NodeMessage } from 'node-red';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { claimErrorPayloads, getBatch, listEvents, markErrorPayloadReady, settleErrorPayload, type BatchRow, type ErrorPayloadRow } from '../../lib/store';
import batchStore from '../../nodes/batch-store/batch-store';
import errorPayload from '../../nodes/error-payload/error-payload';
import parkingLot from '../../nodes/parking-lot/parking-lot';
import { failedBatch, OWNER } from '../lib/corrections/failed-batch';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

type Message = NodeMessage & Record<string, unknown>;
interface TestNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Message) => void): void;
  status: { lastCall?: { args: unknown[] } };
}

const SCHEMA = JSON.stringify({ type: 'object', required: ['employeeNumber'], properties: { employeeNumber: { type: 'integer' } } });

/** An error-payload node wired to an output helper, with a Catch node for its errors. */
async function deploy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-error-payload-'));
  const processing = path.join(dir, 'processing');
  await loadFlow(
    [batchStore, errorPayload],
    [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(dir, 'bsync.sqlite') },
      { id: 'ep', z: 'f1', type: 'error-payload', name: 'fixes', store: 's1', processingFolder: processing, delimiter: ',', quote: '"', wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
    ],
  );
  const out: Message[] = [];
  const caught: Message[] = [];
  (helper.getNode('out') as unknown as TestNode).on('input', (msg) => out.push(msg));
  (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));
  const node = helper.getNode('ep') as unknown as TestNode;
  const store = helper.getNode('s1') as unknown as BatchStoreNode;
  const ask = async (msg: Record<string, unknown>): Promise<Message> => {
    const seen = out.length;
    node.receive(msg);
    return eventually(() => out[seen], `an answer to ${String(msg.topic)}`);
  };
  const refused = async (msg: Record<string, unknown>): Promise<string> => {
    const seen = caught.length;
    node.receive(msg);
    const error = await eventually(() => caught[seen], `${String(msg.topic)} to reach the Catch node`);
    return (error.error as { message: string }).message;
  };
  const failed = (spec: Parameters<typeof failedBatch>[1]) => store.use((db) => failedBatch(db, spec));
  return { node, out, store, processing, ask, refused, failed };
}

describe('error-payload node', () => {
  afterEach(unloadFlow);

  it('answers list and get: the failed rows, and one of them with its history and its batch statistics', async () => {
    const { ask, failed, node } = await deploy();
    const { batch, errorPayloads } = await failed({ totalRows: 5, groupType: 'payroll', failures: [{ row: 2, errorKind: 'validation' }, { row: 4 }] });

    const list = (await ask({ topic: 'list', payload: { batchId: batch.id, errorKind: 'permanent' } })).payload as { errorPayloads: ErrorPayloadView[]; total: number };
    assert.deepEqual([list.total, list.errorPayloads.map((p) => p.rowNumber)], [1, [4]]);
    assert.equal(lastStatus(node).text, 'listed 1 of 1 error payloads');

    const detail = (await ask({ topic: 'get', payload: errorPayloads[0].id })).payload as { errorPayload: ErrorPayloadView; events: { action: string }[]; batchStatistics: { failed: number; open: number } };
    assert.equal(detail.errorPayload.id, errorPayloads[0].id);
    assert.deepEqual(detail.events.map((e) => e.action), ['row-failed']);
    assert.deepEqual([detail.batchStatistics.failed, detail.batchStatistics.open], [2, 2]);
  });

  it('corrects, marks READY and discards, recording msg.user, or the node when there is none', async () => {
    const { ask, failed, store } = await deploy();
    const { batch, errorPayloads } = await failed({ totalRows: 4, rowSchema: SCHEMA, failures: [{ row: 1 }, { row: 2 }, { row: 3 }] });
    const [a, b, c] = errorPayloads;

    const corrected = (await ask({ topic: 'update', payload: { id: a.id, payload: { employeeNumber: '1001' } }, user: 'alice' })).payload as ErrorPayloadView;
    assert.deepEqual(corrected.payload, { employeeNumber: 1001 }, 'the corrected row as a value, converted by the row schema');
    const ready = (await ask({ topic: 'ready', payload: { id: a.id }, user: { username: 'bob' } })).payload as ErrorPayloadView;
    assert.equal(ready.status, 'READY');
    const bulk = (await ask({ topic: 'ready', payload: { batchId: batch.id } })).payload as { ids: number[]; count: number };
    assert.deepEqual(bulk, { ids: [b.id, c.id], count: 2 });
    const discarded = (await ask({ topic: 'discard', payload: { id: c.id, reason: 'employee left' }, user: 'carol' })).payload as ErrorPayloadView;
    assert.equal(discarded.status, 'DISCARDED');

    const events = await store.use((db) => listEvents(db, { batchId: batch.id }));
    const actions = events.filter((e) => e.entity === 'error_payload' && e.action !== 'row-failed').map((e) => [e.entity_id, e.action, e.actor]);
    assert.deepEqual(actions, [
      [String(a.id), 'corrected', 'alice'],
      [String(a.id), 'ready', 'bob'],
      [String(b.id), 'ready', 'node:error-payload:fixes'],
      [String(c.id), 'ready', 'node:error-payload:fixes'],
      [String(c.id), 'discarded', 'carol'],
    ]);
  });

  it('replays a batch from its failed rows into the processing folder, or from its original file', async () => {
    const { ask, failed, processing, store } = await deploy();
    const { batch } = await failed({ totalRows: 3, fileName: 'bank.csv', failures: [{ row: 3 }] });
    const replay = (await ask({ topic: 'replay', payload: { id: batch.id }, user: 'alice' })).payload as { source: string; batch: BatchView; parent: BatchView; rows: number };
    assert.deepEqual([replay.source, replay.batch.status, replay.batch.parentBatchId, replay.rows], ['errors', 'RETRY', batch.id, 1]);
    assert.ok(fs.existsSync(path.join(processing, `bank.replay-${batch.id}.csv`)));

    const other = await failed({ totalRows: 2, failures: [{ row: 1 }] });
    const again = (await ask({ topic: 'replay', payload: { id: other.batch.id, source: 'original' }, user: 'bob' })).payload as { source: string; batch: BatchView };
    assert.deepEqual([again.source, again.batch.id, again.batch.status], ['original', other.batch.id, 'RETRY']);
    assert.equal((await store.use((db) => getBatch(db, other.batch.id))).checkpoint_row, 0, 'read again from the top');
  });

  it('exports the failed rows as CSV in msg.payload, with the file name and the batch to replay', async () => {
    const { ask, failed } = await deploy();
    const { batch } = await failed({ totalRows: 3, fileName: 'bank.csv', failures: [{ row: 2, record: { employeeNumber: '1002', iban: 'DE00' }, error: 'unknown employee' }] });
    const msg = await ask({ topic: 'export', payload: batch.id });
    assert.equal(msg.payload, '\uFEFFemployeeNumber,iban,bsync_row_number,bsync_error,bsync_quoted\r\n1002,DE00,2,unknown employee,yes\r\n');
    assert.deepEqual([msg.filename, msg.parentBatchId, msg.rows], [`bank.replay-${batch.id}.csv`, batch.id, 1]);
  });

  it('sends a forbidden transition, a refused correction, a missing reason and an unknown topic to a Catch node', async () => {
    const { refused, failed, store, node, out } = await deploy();
    const { batch, errorPayloads } = await failed({ totalRows: 3, groupType: 'catch-me', rowSchema: SCHEMA, failures: [{ row: 1 }, { row: 2 }] });
    const [resolved, open] = errorPayloads;
    await store.use(async (db) => {
      await markErrorPayloadReady(db, { id: resolved.id, actor: 'test' });
      await claimErrorPayloads(db, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: 'catch-me' });
      await settleErrorPayload(db, resolved.id, OWNER, { delivered: true, httpStatus: 200 });
    });

    assert.match(await refused({ topic: 'ready', payload: resolved.id }), new RegExp(`error payload ${resolved.id} is RESOLVED: only a NEW error payload can be marked READY`));
    assert.equal(lastStatus(node).fill, 'red');
    assert.match(await refused({ topic: 'update', payload: { id: open.id, payload: { employeeNumber: 'x' } } }), /refused: column "employeeNumber": value "x"/);
    assert.match(await refused({ topic: 'discard', payload: { id: open.id } }), /needs a reason/);
    assert.match(await refused({ topic: 'replay', payload: { id: batch.id, source: 'somewhere' } }), /use "errors".*or "original"/);
    assert.match(await refused({ topic: 'replay', payload: { id: batch.id, from: 'somewhere' } }), /use "errors".*or "original"/, 'the older name is read too');
    assert.match(await refused({ topic: 'replay', payload: { id: batch.id, source: 'errors', from: 'original' } }), /give one of them/);
    assert.match(await refused({ topic: 'delete', payload: open.id }), /unknown action "delete": msg\.topic must be one of list, get, update, ready, discard, replay, export/);
    assert.match(await refused({ topic: 'get', payload: {} }), /get needs an error payload id/);
    assert.equal(out.length, 0, 'nothing is sent on for a refused request');
    const statuses = await store.use((db) => db.knex(db.tables.errorPayload).where('batch_id', batch.id).orderBy('row_number').pluck('status'));
    assert.deepEqual(statuses, ['RESOLVED', 'NEW']);
  });
});

// The admin REST API example, imported as a user would import it, answering real HTTP requests.
describe('examples/admin-api.json', () => {
  afterEach(unloadFlow);

  const core = (file: string) => require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(require.resolve('node-red'))] }));

  async function deployExample() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-admin-api-'));
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'admin-api.json'), 'utf8')) as Record<string, unknown>[];
    // The API part only: the resend part would call the placeholder payroll API.
    const flow = example
      .filter((node) => !['scheduled-dispatcher', 'row-processor', 'debug', 'api-endpoint'].includes(String(node.type)))
      .map((node) => {
        if (node.type === 'batch-store') return { ...node, filename: path.join(dir, 'bsync.sqlite') };
        if (node.type === 'error-payload') return { ...node, processingFolder: path.join(dir, 'processing') };
        return node;
      });
    let httpNode: import('node:http').RequestListener | undefined;
    const captureHttpNode = (RED: { httpNode: import('node:http').RequestListener }) => {
      httpNode = RED.httpNode;
    };
    await loadFlow(
      [batchStore, errorPayload, parkingLot, core('network/21-httpin.js'), core('function/15-change.js'), core('function/10-function.js'), core('common/90-comment.js'), captureHttpNode],
      flow,
    );
    const server = http.createServer(httpNode!);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = helper.getNode(String(example.find((node) => node.type === 'batch-store')!.id)) as unknown as BatchStoreNode;
    const call = async (method: string, url: string, body?: unknown) => {
      const response = await fetch(base + url, {
        method,
        headers: { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // As bytes: response.text() would drop a byte order mark, and the export's download must carry it.
      const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
      return { status: response.status, type: response.headers.get('content-type') ?? '', disposition: response.headers.get('content-disposition') ?? '', text, json: () => JSON.parse(text) };
    };
    return { store, call, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('lists batches and failed rows, corrects, marks READY, refuses what the rules refuse, replays and exports over HTTP', async () => {
    const { store, call, close } = await deployExample();
    try {
      const { batch, errorPayloads } = await store.use((db) =>
        failedBatch(db, { totalRows: 4, fileName: 'bank.csv', rowSchema: SCHEMA, failures: [{ row: 1 }, { row: 2 }, { row: 3 }] }),
      );
      const [a, b, c] = errorPayloads;

      const batches = await call('GET', '/bsync/batches?status=FAILED');
      assert.equal(batches.status, 200);
      assert.deepEqual(batches.json().batches.map((row: BatchRow) => row.id), [batch.id]);
      const errors = await call('GET', `/bsync/batches/${batch.id}/errors?status=NEW`);
      assert.deepEqual([errors.status, errors.json().total], [200, 3]);

      const refusedCorrection = await call('PUT', `/bsync/errors/${a.id}`, { employeeNumber: 'abc' });
      assert.equal(refusedCorrection.status, 422);
      assert.equal(refusedCorrection.json().code, 'CORRECTION_INVALID');
      assert.match(refusedCorrection.json().error, /column "employeeNumber": value "abc"/);
      const corrected = await call('PUT', `/bsync/errors/${a.id}`, { employeeNumber: '1001', iban: 'DE89370400440532013000' });
      assert.deepEqual([corrected.status, corrected.json().payload.employeeNumber], [200, 1001]);
      const ready = await call('POST', `/bsync/errors/${a.id}/ready`, {});
      assert.deepEqual([ready.status, ready.json().status], [200, 'READY']);

      const discarded = await call('POST', `/bsync/errors/${b.id}/discard`, { reason: 'employee left' });
      assert.deepEqual([discarded.status, discarded.json().status], [200, 'DISCARDED']);
      const forbidden = await call('POST', `/bsync/errors/${b.id}/ready`, {});
      assert.deepEqual([forbidden.status, forbidden.json().code], [409, 'INVALID_TRANSITION']);
      assert.match(forbidden.json().error, /is DISCARDED: only a NEW error payload can be marked READY/);
      assert.equal((await call('GET', '/bsync/errors/999999')).status, 404);

      const exported = await call('GET', `/bsync/batches/${batch.id}/errors.csv`);
      assert.equal(exported.status, 200);
      assert.match(exported.type, /text\/csv/);
      assert.equal(exported.text.split('\r\n')[0], '\uFEFFemployeeNumber,iban,bsync_row_number,bsync_error,bsync_quoted');
      assert.equal(exported.text.split('\r\n').filter(Boolean).length, 2, 'only row 3 is still NEW');

      assert.equal(exported.disposition, `attachment; filename="bank.replay-${batch.id}.csv"; filename*=UTF-8''bank.replay-${batch.id}.csv`);

      const replay = await call('POST', `/bsync/batches/${batch.id}/replay`, { reason: 'payroll fixed' });
      assert.equal(replay.status, 201);
      assert.deepEqual([replay.json().batch.status, replay.json().batch.parentBatchId, replay.json().rows], ['RETRY', batch.id, 1]);

      const detail = await call('GET', `/bsync/errors/${c.id}`);
      assert.deepEqual([detail.status, detail.json().batchStatistics.replayBatchIds], [200, [replay.json().batch.id]]);
      const actors = (await store.use((db) => listEvents(db, { batchId: batch.id }))).filter((e) => e.actor !== OWNER && e.actor !== 'test').map((e) => [e.action, e.actor]);
      assert.deepEqual(actors, [['corrected', 'admin'], ['ready', 'admin'], ['discarded', 'admin'], ['exported', 'admin'], ['held-by-replay', 'admin'], ['replayed', 'admin']]);
    } finally {
      await close();
    }
  });

  it('exports a batch whose file name holds quotes, a semicolon, CR/LF and umlauts as one safe Content-Disposition (RFC 6266)', async () => {
    const { store, call, close } = await deployExample();
    try {
      const fileName = 'Geh\u00e4lter "M\u00e4rz"; x\r\nSet-Cookie: admin=1.csv';
      const { batch } = await store.use((db) => failedBatch(db, { totalRows: 1, fileName, failures: [{ row: 1 }] }));
      const exported = await call('GET', `/bsync/batches/${batch.id}/errors.csv`);
      assert.equal(exported.status, 200);
      assert.match(exported.type, /^text\/csv; charset=utf-8$/);
      const match = /^attachment; filename="([^"\\;%\r\n]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$/.exec(exported.disposition);
      assert.ok(match, `a well-formed header, got ${JSON.stringify(exported.disposition)}`);
      assert.equal(decodeURIComponent(match[2]), `Geh\u00e4lter "M\u00e4rz"; x\r\nSet-Cookie: admin=1.replay-${batch.id}.csv`, 'the exact name in filename*');
      assert.equal(match[1], `Geh_lter _M_rz__ x__Set-Cookie: admin=1.replay-${batch.id}.csv`);
    } finally {
      await close();
    }
  });
});
