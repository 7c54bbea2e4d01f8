// The row-processor evaluates its mapping and success check straight on the prepared expression, not
// through RED.util.evaluateJSONataExpression: what a user writes must still mean what it means in any
// Node-RED node — $env (the flow's env), $moment, $flowContext and $globalContext (asynchronous context
// reads), and the legacy form that names `msg`.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { openStore, type Store, type StoreConfig } from '../../lib/store';
import apiEndpoint from '../../nodes/api-endpoint/api-endpoint';
import batchStore from '../../nodes/batch-store/batch-store';
import rowProcessor from '../../nodes/row-processor/row-processor';
import { employeeRow, HEADER, makeFolders, parkAndClaim, writeCsv, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { helper, loadFlow, unloadFlow } from '../support/node-red';
import { freshDatabaseConfig } from '../support/stores';

type Msg = { payload: Record<string, unknown>; topic?: string };

describe('row-processor JSONata: Node-RED semantics', () => {
  let config: StoreConfig;
  let store: Store;
  let server: TestHttpServer;
  let folders: Folders;

  before(async () => {
    config = await freshDatabaseConfig('sqlite');
    store = await openStore(config);
  });
  after(() => store.close());
  afterEach(async () => {
    await unloadFlow();
    await server?.stop();
  });

  async function load(processor: Record<string, unknown>): Promise<void> {
    server = await TestHttpServer.start();
    folders = makeFolders();
    await loadFlow(
      [batchStore, apiEndpoint, rowProcessor],
      [
        // The flow's env: what $env reads first.
        { id: 'tab', type: 'tab', env: [{ name: 'BANK_PREFIX', value: 'bank-', type: 'str' }, { name: 'OK_STATUS', value: 'SUCCESS', type: 'str' }] },
        { id: 'store', type: 'batch-store', client: 'sqlite', filename: config.client === 'sqlite' ? config.filename : '' },
        { id: 'api', type: 'api-endpoint', baseUrl: server.url, authType: 'none' },
        {
          id: 'processor', type: 'row-processor', z: 'tab', x: 100, y: 100, store: 'store', endpoint: 'api', method: 'POST',
          pathTemplate: '/employees/{employeeNumber}/bank-connections', concurrency: '2', maxAttempts: '1', baseDelayMs: '10',
          archiveFolder: folders.archive, failedFolder: folders.failed, wires: [['complete'], ['failed']], ...processor,
        },
        { id: 'complete', type: 'helper', z: 'tab', x: 300, y: 100 },
        { id: 'failed', type: 'helper', z: 'tab', x: 300, y: 150 },
      ],
    );
  }

  async function runBatch(fileName: string, rows: number[]): Promise<{ summary: Record<string, unknown>; bodies: Record<string, unknown>[] }> {
    writeCsv(folders, fileName, [HEADER, ...rows.map((row) => employeeRow(row))]);
    const batch = await parkAndClaim(store, folders, fileName, 'runtime-jsonata');
    const complete = new Promise<Msg>((resolve) => helper.getNode('complete').once('input', (msg: unknown) => resolve(msg as Msg)));
    helper.getNode('processor').receive({ topic: 'batch', payload: batch, lease: { owner: 'runtime-jsonata', until: batch.lease_until } } as never);
    const summary = (await complete).payload;
    const bodies = server.requestsTo(() => true).map((request) => JSON.parse(request.body) as Record<string, unknown>);
    return { summary, bodies };
  }

  it('a mapping with $env, $moment, $flowContext and $globalContext, and a success check with $env', async () => {
    await load({
      mapping:
        '{"iban": iban, "bank": $env("BANK_PREFIX") & bankIdentifier, "validFrom": $moment("2024-05-01T12:00:00Z").utc().format("YYYY-MM-DD"), "source": $flowContext("source"), "tenant": $globalContext("tenant")}',
      successExpression: 'status = $env("OK_STATUS")',
    });
    const node = helper.getNode('processor') as unknown as { context(): { flow: { set(k: string, v: unknown): void }; global: { set(k: string, v: unknown): void } } };
    node.context().flow.set('source', 'payroll-export');
    node.context().global.set('tenant', 'acme');
    // Row 2's answer is not the SUCCESS $env names: the check must fail it.
    server.respond((request) => ({ status: 200, body: { status: request.path.includes('/1002/') ? 'PENDING' : 'SUCCESS' } }));

    const { summary, bodies } = await runBatch('env.csv', [1, 2, 3]);

    assert.equal(bodies.length, 3);
    const first = bodies.find((body) => String(body.iban).endsWith('000001'));
    assert.deepEqual(first, { iban: 'DE11370400440532000001', bank: 'bank-COBADEFF', validFrom: '2024-05-01', source: 'payroll-export', tenant: 'acme' });
    assert.deepEqual([summary.succeededRows, summary.failedRows], [2, 1]);
  });

  it('the legacy form: an expression that names msg is evaluated against { msg: row }', async () => {
    await load({ mapping: '{"account": msg.accountNumber, "employee": msg.employeeNumber}', successExpression: '' });
    server.respond(() => ({ status: 200, body: {} }));

    const { summary, bodies } = await runBatch('legacy.csv', [7]);

    assert.deepEqual(bodies, [{ account: '532013007', employee: '1007' }]);
    assert.deepEqual([summary.succeededRows, summary.failedRows], [1, 0]);
  });

  it('an expression that fails on a row fails that row as a mapping error, in JSONata\'s words', async () => {
    await load({ mapping: '$error("no mapping for " & employeeNumber)', successExpression: '' });
    server.respond(() => ({ status: 200, body: {} }));
    const failed = new Promise<Msg>((resolve) => helper.getNode('failed').once('input', (msg: unknown) => resolve(msg as Msg)));

    const { summary, bodies } = await runBatch('error.csv', [5]);

    assert.equal(bodies.length, 0);
    assert.deepEqual([summary.succeededRows, summary.failedRows], [0, 1]);
    assert.match(String((await failed).payload.error), /mapping failed: no mapping for 1005/);
  });
});
