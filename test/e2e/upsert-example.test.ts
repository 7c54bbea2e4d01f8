// examples/upsert-customers.json runs on import: deployed as shipped (only its API base URL pointed at this
// Node-RED), it creates the first day's 5 customers, then updates the 2 changed, creates the new one and
// skips the 3 unchanged of the next day's file. Read through the admin routes, as the sidebar reads them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/node-red';
import { RuntimeProcess, type FlowNode } from '../support/runtime-process';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface BatchView {
  id: number;
  fileName: string;
  status: string;
  succeededRows: number;
  failedRows: number;
  skippedRows: number;
}

describe('examples/upsert-customers.json', { timeout: 120_000 }, () => {
  let runtime: RuntimeProcess;
  before(async () => {
    runtime = await RuntimeProcess.start({ flows: [] });
  });
  after(async () => {
    await runtime?.stop();
  });

  it('creates the first day, then updates 2, creates 1 and skips 3 of the next day, on its own', async () => {
    const shipped = fs.readFileSync(path.join(ROOT, 'examples', 'upsert-customers.json'), 'utf8');
    await runtime.deploy(JSON.parse(shipped.split('http://127.0.0.1:1880/').join(`${runtime.url}/`)) as FlowNode[]);
    const storeId = (JSON.parse(shipped) as FlowNode[]).find((node) => node.type === 'batch-store')!.id as string;
    const batches = async (): Promise<BatchView[]> => {
      const response = await fetch(`${runtime.url}/bsync/stores/${storeId}/batches?groupType=example-customers`);
      return response.ok ? ((await response.json()) as { batches: BatchView[] }).batches : [];
    };
    await eventually(async () => (await batches()).filter((batch) => batch.status === 'PROCESSED').length === 2, `both days processed\n${runtime.tail()}`, 90_000);
    const [first, next] = (await batches()).sort((a, b) => a.id - b.id);
    assert.match(first.fileName, /^customers-first-day-/);
    assert.deepEqual([first.succeededRows, first.failedRows, first.skippedRows], [5, 0, 0]);
    assert.match(next.fileName, /^customers-next-day-/);
    assert.deepEqual([next.succeededRows, next.failedRows, next.skippedRows], [3, 0, 3]);
    const creates = runtime.log.match(/create C-\d{3} -> id \d+/g) ?? [];
    assert.deepEqual(creates.map((line) => line.slice(7, 12)).sort(), ['C-001', 'C-002', 'C-003', 'C-004', 'C-005', 'C-006'], 'one create per customer');
    assert.deepEqual((runtime.log.match(/update C-\d{3}/g) ?? []).sort(), ['update C-002', 'update C-004']);
  });
});
