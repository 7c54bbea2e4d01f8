import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import type { NodeMessage } from 'node-red';
import { readJsonlRows } from '../../lib/jsonl';
import { listEvents, type BatchRow } from '../../lib/store';
import type { BatchStoreNode } from '../../lib/node-red/batch-store-node';
import batchStore from '../../nodes/batch-store/batch-store';
import sourceDatabase from '../../nodes/source-database/source-database';
import tableExtract from '../../nodes/table-extract/table-extract';
import { eventually, helper, lastStatus, loadFlow, unloadFlow } from '../support/node-red';

type Message = NodeMessage & Record<string, unknown>;
interface TestNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', listener: (msg: Message) => void): void;
  status: { lastCall?: { args: unknown[] } };
}

const dirs: string[] = [];

async function sourceFile(dir: string): Promise<{ filename: string; writer: Knex }> {
  const filename = path.join(dir, 'erp.sqlite');
  const writer = knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  await writer.schema.createTable('customers', (t) => {
    t.integer('id').primary();
    t.string('name', 100).notNullable();
    t.string('updated_at', 40).notNullable();
  });
  await writer('customers').insert([
    { id: 1, name: 'Ada', updated_at: '2026-11-30T08:00:00Z' },
    { id: 2, name: 'Bo', updated_at: '2026-11-30T08:00:00Z' },
    { id: 3, name: 'Cleo', updated_at: '2026-11-30T09:00:00Z' },
  ]);
  return { filename, writer };
}

async function deploy(dir: string, filename: string, config: Record<string, unknown> = {}) {
  await loadFlow(
    [batchStore, sourceDatabase, tableExtract],
    [
      { id: 'f1', type: 'tab' },
      { id: 's1', type: 'batch-store', client: 'sqlite', filename: path.join(dir, 'bsync.sqlite') },
      { id: 'src', type: 'source-database', client: 'sqlite', filename, poolMax: 2, queryTimeoutMs: 5000 },
      {
        id: 'ex', z: 'f1', type: 'table-extract', name: 'customers', store: 's1', source: 'src', extract: 'customers-to-crm', readFrom: 'table',
        table: 'customers', columns: '', query: '', mode: 'incremental', keyColumns: 'updated_at,id', lookbackSeconds: 0, rowsPerBatch: 2,
        pageSize: 1, groupType: 'customers', groupId: 'crm', folder: path.join(dir, 'processing'), cron: '', timezone: '', wires: [['out']], ...config,
      },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
    ],
  );
  const out: Message[] = [];
  const caught: Message[] = [];
  (helper.getNode('out') as unknown as TestNode).on('input', (msg) => out.push(msg));
  (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));
  return { node: helper.getNode('ex') as unknown as TestNode, out, caught, store: helper.getNode('s1') as unknown as BatchStoreNode };
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-extract-node-'));
  dirs.push(dir);
  return dir;
}

describe('table-extract node', () => {
  afterEach(async () => {
    await unloadFlow();
    while (dirs.length > 0) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
  });

  it('extracts on a message: one message per parked batch, in order; then answers and resets its watermark', async (t) => {
    const dir = tempDir();
    const { filename, writer } = await sourceFile(dir);
    // A failed assertion must not leave the writer's connection holding the test process open.
    t.after(() => writer.destroy());
    const { node, out, caught, store } = await deploy(dir, filename);
    node.receive({ topic: 'extract', user: 'etl-operator' });
    await eventually(() => out.length === 2, 'two batches');
    const views = out.map((msg) => msg.payload as Record<string, unknown>);
    assert.deepEqual(views.map((view) => view.rows), [2, 1]);
    assert.deepEqual(views.map((view) => [view.status, view.kind, view.format, view.groupType, view.groupId]), [['NEW', 'file', 'jsonl', 'customers', 'crm'], ['NEW', 'file', 'jsonl', 'customers', 'crm']]);
    const ids: unknown[] = [];
    for (const view of views) {
      for await (const row of readJsonlRows(path.join(String(view.folder), String(view.fileName)))) ids.push(row.record?.id);
    }
    assert.deepEqual(ids, [1, 2, 3]);
    assert.match(lastStatus(node).text ?? '', /parked 3 rows in 2 batches \(customers\/crm\)/);
    const [registered] = await store.use((db) => listEvents(db, { entity: 'batch', entityId: (out[0].payload as { id: number }).id }));
    assert.equal(registered.actor, 'etl-operator');

    node.receive({ topic: 'watermark' });
    const watermark = await eventually(() => out[2], 'the watermark');
    assert.deepEqual((watermark.payload as Record<string, unknown>).value, { updated_at: '2026-11-30T09:00:00Z', id: 3 });

    await writer('customers').where('id', 1).update({ name: 'Ada L.', updated_at: '2026-11-30T10:00:00Z' });
    node.receive({});
    const next = await eventually(() => out[3], 'the next batch');
    assert.equal((next.payload as Record<string, unknown>).id, (out[1].payload as { id: number }).id + 1);

    node.receive({ topic: 'reset-watermark', user: 'alice', reason: 'CRM restored from backup' });
    const reset = await eventually(() => out[4], 'the reset');
    assert.deepEqual((reset.payload as Record<string, unknown>).value, null);
    assert.equal((reset.payload as Record<string, unknown>).updatedBy, 'alice');

    node.receive({ topic: 'drop' });
    await eventually(() => caught.length === 1, 'the refusal of an unknown topic');
    assert.match(String((caught[0].error as { message: string }).message), /topic "drop" is not an action of table-extract/);
  });

  it('refuses a table name with SQL in it at deploy, and every message after, to a Catch node', async () => {
    const dir = tempDir();
    const { filename, writer } = await sourceFile(dir);
    await writer.destroy();
    const { node, caught, out } = await deploy(dir, filename, { table: 'customers; drop table customers' });
    assert.equal(lastStatus(node).fill, 'red');
    assert.match(lastStatus(node).text ?? '', /invalid configuration: the table name "customers; drop/, 'the start of the reason on the status (the rest in the log and the Catch node)');
    node.receive({});
    await eventually(() => caught.length === 1, 'the refusal');
    assert.match(String((caught[0].error as { message: string }).message), /not a plain name/);
    assert.equal(out.length, 0);
    assert.equal(fs.existsSync(path.join(dir, 'processing')), false, 'no file written');
  });

  it('shows an unreachable source in red with the reason and recovers without a redeploy', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const later = path.join(dir, 'later.sqlite');
    const { node, out, caught } = await deploy(dir, later);
    await eventually(() => /source unavailable: .+/.test(lastStatus(node).text ?? '') && lastStatus(node).fill === 'red', 'the red status');
    node.receive({});
    await eventually(() => caught.length === 1, 'the error');
    assert.match(String((caught[0].error as { message: string }).message), /not available/);
    // The file appears (a mount comes back): the node reads it without a redeploy.
    const { filename, writer } = await sourceFile(dir);
    fs.renameSync(filename, later);
    await writer.destroy();
    await eventually(() => lastStatus(node).fill === 'green', 'the source to be back', 20_000);
    node.receive({});
    await eventually(() => out.length === 2, 'the batches');
  });
});
