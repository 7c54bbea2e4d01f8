// examples/all-or-nothing.json runs as imported: deployed on a Node-RED of its own (only its URLs pointed at
// that runtime's port and its store at a fresh file), the refused batch undoes the rows it applied against
// the flow's own mock CRM, which holds none of them afterwards; the accepted one is PROCESSED.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listBatches, listEvents, openStore, type Store } from '../../lib/store';
import { eventually } from '../support/node-red';
import { RuntimeProcess, type FlowNode } from '../support/runtime-process';
import { freshDatabaseConfig } from '../support/stores';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'all-or-nothing.json');

describe('examples/all-or-nothing.json on a runtime', { timeout: 120_000 }, () => {
  let runtime: RuntimeProcess;
  let store: Store;
  let nodes: FlowNode[];

  before(async () => {
    const config = await freshDatabaseConfig('sqlite');
    if (config.client !== 'sqlite') throw new Error('a SQLite store');
    store = await openStore(config);
    runtime = await RuntimeProcess.start({ flows: [] });
    const shipped = fs.readFileSync(EXAMPLE, 'utf8').split('http://127.0.0.1:1880/').join(`${runtime.url}/`);
    nodes = (JSON.parse(shipped) as FlowNode[]).map((node) => (node.type === 'batch-store' ? { ...node, filename: config.filename } : node));
    await runtime.deploy(nodes);
  });
  after(async () => {
    await runtime?.stop();
    await store?.close();
  });

  const inject = async (name: string) => {
    const node = nodes.find((n) => n.type === 'inject' && n.name === name);
    assert.ok(node, `an inject "${name}"`);
    // The deploy answers before the flows have started: until then the inject is not there (404, no effect).
    await eventually(async () => (await fetch(`${runtime.url}/inject/${node.id}`, { method: 'POST' })).status === 200, `inject "${name}"\n${runtime.tail()}`, 30_000);
  };
  const contacts = async () => (await (await fetch(`${runtime.url}/bsync-example-aon/contacts`)).json()) as Record<string, unknown>;
  const ended = (status: string, fileName: RegExp) =>
    eventually(async () => (await listBatches(store, { status: status as never, limit: 10 })).batches.find((batch) => fileName.test(String(batch.file_name))), `a ${status} batch\n${runtime.tail()}`, 60_000);

  it('creates every contact of the accepted batch', async () => {
    await inject('contacts, all accepted');
    const batch = await ended('PROCESSED', /^contacts-\d+T\d+\.csv$/);
    assert.equal(batch.succeeded_rows, 8);
    assert.equal(Object.keys(await contacts()).length, 8);
  });

  it('undoes rows 1–5 of the batch refused at row 6: the mock CRM holds none of them', async () => {
    await inject('contacts, row 6 refused');
    const batch = await ended('FAILED', /-refused\.csv$/);
    assert.match(String(batch.error), /^row 6: .*422.*; 5 applied rows compensated$/);
    assert.equal(Object.keys(await contacts()).length, 8, 'only the accepted batch’s contacts are left');
    const compensated = (await listEvents(store, { batchId: batch.id })).filter((event) => event.action === 'compensated');
    assert.deepEqual(compensated.map((event) => JSON.parse(event.detail!).rowNumber), [5, 4, 3, 2, 1]);
  });
});
