// The importable flows (examples/) and the flows `npm start` runs (flows/): well-formed, self-contained,
// only core nodes and ours, one example per node, each explained by a comment. The editor test imports one
// for real; this checks them all without a browser.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const OURS: string[] = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))['node-red'].nodes);
const CONFIG_OURS = new Set(['batch-store', 'api-endpoint', 'source-database']);

/** Every node type the core of Node-RED registers, read from its editor definitions. */
function coreTypes(): Set<string> {
  const types = new Set<string>(['tab', 'group', 'junction']);
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.html')) {
        for (const match of fs.readFileSync(file, 'utf8').matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]/g)) types.add(match[1]);
      }
    }
  };
  walk(path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core'));
  return types;
}

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

function load(file: string): FlowNode[] {
  const nodes = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(Array.isArray(nodes), `${file} is an array of nodes`);
  return nodes;
}

function checkSelfContained(name: string, nodes: FlowNode[], core: Set<string>): void {
  const ids = new Set<string>();
  for (const node of nodes) {
    assert.ok(typeof node.id === 'string' && node.id, `${name}: every node has an id`);
    assert.ok(!ids.has(node.id), `${name}: id ${node.id} is used once`);
    ids.add(node.id);
  }
  const tabs = new Set(nodes.filter((n) => n.type === 'tab').map((n) => n.id));
  for (const node of nodes) {
    assert.ok(core.has(node.type) || OURS.includes(node.type), `${name}: ${node.type} is a core node or ours`);
    assert.ok(!('credentials' in node), `${name}: ${node.type} ${node.id} carries no credentials`);
    if (node.z) assert.ok(tabs.has(node.z), `${name}: ${node.type} ${node.id} is on a tab of the file`);
    for (const port of node.wires ?? []) for (const target of port) assert.ok(ids.has(target), `${name}: ${node.type} ${node.id} is wired to a node of the file`);
    // Our nodes point at config nodes of the same file, so the import brings everything they need.
    for (const field of ['store', 'endpoint']) {
      if (OURS.includes(node.type) && typeof node[field] === 'string' && node[field]) {
        assert.ok(ids.has(node[field] as string), `${name}: ${node.type} ${node.id}: its ${field} config node is in the file`);
      }
    }
  }
}

describe('examples and shipped flows', () => {
  const core = coreTypes();
  const dir = path.join(ROOT, 'examples');
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.json'));

  test('there is an example per node, named after it, and the full sync flow', () => {
    for (const type of OURS) assert.ok(files.includes(`${type}.json`), `examples/${type}.json`);
    assert.ok(files.includes('full-sync-flow.json'), 'examples/full-sync-flow.json');
  });

  for (const file of files) {
    test(`examples/${file}: starts with a comment that explains it, uses only core nodes and ours, imports on its own`, () => {
      const nodes = load(path.join(dir, file));
      const first = nodes.find((n) => n.type !== 'tab');
      assert.equal(first?.type, 'comment', 'the first node is a comment');
      assert.ok(String(first!.info ?? '').length > 100, 'the comment explains the example in its text');
      checkSelfContained(file, nodes, core);
      const type = file.replace(/\.json$/, '');
      if (OURS.includes(type)) {
        assert.ok(
          nodes.some((n) => n.type === type),
          `the ${type} example uses a ${type} node`,
        );
      }
      for (const node of nodes.filter((n) => OURS.includes(n.type) && !CONFIG_OURS.has(n.type))) {
        assert.ok(node.z, `${node.type} ${node.id} is on a tab`);
      }
    });
  }

  test('flows/flows.json: the sync flow of `npm start`, self-contained, on SQLite and the demo API', () => {
    const nodes = load(path.join(ROOT, 'flows', 'flows.json'));
    checkSelfContained('flows.json', nodes, core);
    const tabs = nodes.filter((n) => n.type === 'tab').map((n) => n.label);
    assert.deepEqual(tabs, ['Inbound', 'Dispatch', 'Errors', 'Demo payroll API', 'Database sync']);
    const stores = nodes.filter((n) => n.type === 'batch-store');
    assert.deepEqual(
      stores.map((n) => [n.client, n.filename]),
      [['sqlite', 'bsync.sqlite']],
    );
    assert.deepEqual(
      nodes.filter((n) => n.type === 'api-endpoint').map((n) => n.baseUrl),
      ['http://127.0.0.1:1880/demo-payroll', 'http://127.0.0.1:1880/demo-crm'],
    );
    const [extract] = nodes.filter((n) => n.type === 'table-extract');
    assert.deepEqual([extract.table, extract.keyColumns, extract.groupType, extract.cron], ['customers', 'updated_at,customer_no', 'customers', '30 * * * * *']);
    const [source] = nodes.filter((n) => n.type === 'source-database');
    assert.deepEqual([source.client, source.filename], ['sqlite', '../demo-source.sqlite'], 'the demo source beside the batch store, in data/');
    const persister = nodes.find((n) => n.type === 'file-persister')!;
    assert.deepEqual([persister.inbound, persister.pattern, Number(persister.pollInterval)], ['inbound', '*.csv', 2]);
    const parking = nodes.find((n) => n.type === 'parking-lot')!;
    assert.equal(parking.groupType, 'employee-bank-connections');
    const dispatchers = nodes.filter((n) => n.type === 'scheduled-dispatcher' && n.groupType === 'employee-bank-connections');
    assert.deepEqual(dispatchers.map((n) => [n.mode, n.cron]).sort(), [
      ['batches', '*/5 * * * * *'],
      ['errors', '*/5 * * * * *'],
    ]);
    const processors = nodes.filter((n) => n.type === 'row-processor' && n.pathTemplate !== '/customers/{customer_no}');
    assert.equal(processors.length, 2);
    for (const processor of processors) {
      assert.equal(processor.pathTemplate, '/employees/{employeeNumber}/bank-connections');
      assert.equal(processor.successExpression, 'status = "SUCCESS"');
      const schema = JSON.parse(String(processor.schema));
      assert.deepEqual(Object.keys(schema.properties), ['employeeNumber', 'iban', 'bankIdentifier', 'branchIdentifier', 'accountNumber']);
      assert.equal(schema.properties.employeeNumber.type, 'integer');
    }
    assert.equal(processors[0].schema, processors[1].schema, 'the errors tab resends with the same row schema');
    const api = nodes.find((n) => n.type === 'http in' && String(n.url).startsWith('/demo-payroll'))!;
    assert.deepEqual([api.method, api.url], ['post', '/demo-payroll/employees/:employeeNumber/bank-connections']);
  });
});
