// The sidebar's watermarks and resend, as an admin uses them on `npm start`: Node-RED started as `npm start`
// starts it, on temporary copies, driven in Debian's headless Chromium through playwright-core. A delivered,
// archived batch and its key map rows are seeded in the demo store (delivered for real to a loopback API), with
// a watermark moved by that batch; the watermark is reset from the sidebar and keys are resent from its form.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiClient } from '../../lib/delivery';
import { advanceWatermark, openStore, writeTransaction, type BatchRow, type Store } from '../../lib/store';
import { makeFolders, settingsFor, type Folders } from '../support/batch-fixture';
import { TestHttpServer } from '../support/http-server';
import { startNodeRed, waitFor, type NodeRedProcess } from '../support/node-red-process';
import { deliverFile, mapKey } from '../lib/resend/delivered-batch';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;

const CHROMIUM = '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium): the sidebar test needs a real browser`;
// No dispatcher of the shipped flow claims this group type: a resent batch stays parked for the test to see.
const GROUP_TYPE = 'sidebar-test-customers';
const EXTRACT = 'crm customers / sidebar test';
const CUSTOMERS = ['customerNo,name,amount', 'C-001,Ada,10.50', 'C-002,"Lovelace, Ada",=1+2', 'C-003," spaced ",7'];

describe('the batch sync sidebar: watermarks and resend', { skip, timeout: 300_000 }, () => {
  let red: NodeRedProcess;
  let browser: Browser | undefined;
  let page: Page;
  let store: Store;
  let server: TestHttpServer;
  let client: ApiClient;
  let folders: Folders;
  let delivered: BatchRow;
  const consoleErrors: string[] = [];

  async function text(selector: string): Promise<string> {
    return (await page.locator(selector).first().innerText()).trim();
  }

  before(async () => {
    // The Database sync tab parks batches and moves a watermark of its own 20 s after the start.
    red = await startNodeRed({ disabledTabs: ['Database sync'] });
    // The demo store is created (and migrated) by the first start, which parks the sample file.
    await waitFor('the demo store', async () => {
      const answer = await fetch(`${red.base}/bsync/stores`);
      const stores = answer.ok ? ((await answer.json()) as { stores: { state: string }[] }).stores : [];
      return stores.length === 1 && stores[0].state === 'ready' && fs.existsSync(red.databaseFile) ? true : undefined;
    }, 60_000, () => red.log().slice(-3000));
    store = await openStore({ client: 'sqlite', filename: red.databaseFile, tablePrefix: 'bsync_' });
    server = await TestHttpServer.start();
    client = new ApiClient({ baseUrl: server.url, auth: { type: 'none' }, timeoutMs: 5_000, connections: 2 });
    folders = makeFolders();
    const settings = settingsFor(folders, { request: { method: 'PUT', pathTemplate: '/customers/{customerNo}' } });
    delivered = await deliverFile(store, client, folders, settings, GROUP_TYPE, 'customers-sidebar.csv', `${CUSTOMERS.join('\n')}\n`);
    assert.equal(delivered.folder, folders.archive, 'the delivered file is archived');
    for (let row = 1; row < CUSTOMERS.length; row += 1) await mapKey(store, GROUP_TYPE, { customerNo: `C-00${row}` }, delivered.id, row);
    await writeTransaction(store, (trx) =>
      advanceWatermark(store, trx, { extract: EXTRACT, columns: ['updated_at', 'customer_no'], from: null, to: { updated_at: '2026-11-30T08:00:00.000Z', customer_no: 'C-003' }, batchId: delivered.id, actor: 'table-extract test', now: Date.now() }),
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1560, height: 900 } });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const url = message.location()?.url ?? '';
      if (url && !url.startsWith(red.base)) return;
      consoleErrors.push(`${message.text()} (${url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    await page.goto(`${red.base}/`);
    await page.waitForFunction(() => (window as any).RED?.nodes?.filterNodes?.({ type: 'row-processor' }).length > 0, undefined, { timeout: 60_000 });
    await page.evaluate(() => (window as any).RED.sidebar.show('bsync-sidebar'));
    await page.waitForSelector('#bsync-sidebar', { state: 'visible' });
  });

  after(async () => {
    await browser?.close();
    await client?.close();
    await server?.stop();
    await store?.close();
    await red?.stop();
    if (folders) fs.rmSync(folders.root, { recursive: true, force: true });
  });

  test('a watermark is listed with its columns, value, batch and who moved it, and reset after a confirmation', async () => {
    await page.click('#bsync-view-watermarks');
    const card = page.locator(`#bsync-watermark-rows [data-extract="${EXTRACT}"]`);
    await card.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await card.getAttribute('data-reset'), 'false');
    const shown = await card.innerText();
    assert.match(shown, /updated_at, customer_no/);
    assert.equal((await card.locator('.bsync-wm-value').innerText()).trim(), '{"updated_at":"2026-11-30T08:00:00.000Z","customer_no":"C-003"}');
    assert.match(shown, /table-extract test/);
    assert.ok(shown.includes(String(delivered.id)), 'the batch that moved it');

    await card.locator('[data-action="reset"]').click();
    await page.locator('#bsync-wm-confirm').waitFor({ state: 'visible' });
    assert.match(await text('#bsync-wm-confirm-text'), new RegExp(`Reset the watermark of ${EXTRACT.replace(/[/]/g, '\\/')}\\?`));
    // Asked, not done: the stored watermark is as it was until the confirmation.
    assert.notEqual((await store.knex(store.tables.watermark).where('extract', EXTRACT).first()).value, null);
    await page.fill('#bsync-wm-reason', 'the CRM was restored from a backup');
    await page.click('#bsync-wm-yes');
    await page.locator(`#bsync-watermark-rows [data-extract="${EXTRACT}"][data-reset="true"]`).waitFor({ timeout: 10_000 });
    assert.match(await text('#bsync-message'), /is reset/);
    assert.match(await text(`#bsync-watermark-rows [data-extract="${EXTRACT}"]`), /nothing yet/);
    await page.locator('#bsync-wm-confirm').waitFor({ state: 'hidden' });

    const stored = await store.knex(store.tables.watermark).where('extract', EXTRACT).first();
    assert.equal(stored.value, null);
    assert.equal(stored.updated_by, 'anonymous');
    const events = await store.knex(store.tables.event).where({ entity: 'watermark', entity_id: EXTRACT, action: 'watermark-reset' });
    assert.equal(events.length, 1);
    assert.equal(events[0].actor, 'anonymous', 'the editor user without adminAuth, as Node-RED names it');
    const detail = JSON.parse(events[0].detail);
    assert.deepEqual(detail.before, { updated_at: '2026-11-30T08:00:00.000Z', customer_no: 'C-003' });
    assert.equal(detail.reason, 'the CRM was restored from a backup');
  });

  test('keys typed in the resend form are parked again as a replay of their batch; an unknown key is refused with its reason', async () => {
    await page.click('#bsync-view-resend');
    await page.waitForSelector('#bsync-pane-resend', { state: 'visible' });
    // A line that is not JSON is refused in the browser, and nothing is sent.
    await page.fill('#bsync-rs-group-type', GROUP_TYPE);
    await page.fill('#bsync-rs-keys', '{"customerNo": C-002}');
    await page.click('#bsync-rs-send');
    assert.match(await text('#bsync-message'), /^Line 1 is not valid JSON/);
    assert.equal(await store.knex(store.tables.batch).where('parent_batch_id', delivered.id).count({ n: '*' }).then((rows) => Number(rows[0].n)), 0);

    await page.fill('#bsync-rs-key-column', 'customerNo');
    await page.fill('#bsync-rs-keys', ['{"customerNo":"C-003"}', '', 'C-001', 'C-404'].join('\n'));
    await page.fill('#bsync-rs-reason', 'the CRM lost them');
    await page.click('#bsync-rs-send');
    const result = page.locator('#bsync-rs-result[data-resent="1"][data-refused="1"]');
    await result.waitFor({ state: 'visible', timeout: 15_000 });

    const parked = await store.knex(store.tables.batch).where('parent_batch_id', delivered.id);
    assert.equal(parked.length, 1, 'one replay batch of the source batch');
    const [replay] = parked;
    assert.equal(replay.status, 'RETRY');
    // Its rows are counted when it is read; the file it was parked with holds the two asked rows.
    assert.equal(fs.readFileSync(path.join(replay.folder, replay.file_name), 'utf8').trim().split('\n').length, 3, 'a header and 2 rows');
    const row = page.locator(`#bsync-rs-batches tr[data-batch-id="${replay.id}"]`);
    assert.equal(await row.getAttribute('data-parent-batch-id'), String(delivered.id));
    assert.equal((await row.locator('.bsync-status').innerText()).trim(), 'RETRY');
    assert.equal((await row.locator('.bsync-rows').innerText()).trim(), '2');
    const refusal = page.locator('#bsync-rs-refused li');
    assert.equal(await refusal.count(), 1);
    assert.equal(await refusal.getAttribute('data-source-key'), '{"customerNo":"C-404"}');
    assert.match(await refusal.innerText(), /not in the key map of group type "sidebar-test-customers"/);
    assert.match(await text('#bsync-message'), /^1 batches parked, 1 keys refused\.$/);
    // The audit trail of the source batch says who asked for which rows again.
    const events = await store.knex(store.tables.event).where({ entity: 'batch', entity_id: String(delivered.id), action: 'resent-by-key' });
    assert.equal(events.length, 1);
    assert.equal(events[0].actor, 'anonymous');

    // The parked batch opens in the batch view from its link.
    await row.locator('[data-open-batch]').click();
    await page.locator(`#bsync-batch-detail[data-batch-id="${replay.id}"]`).waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await text('#bsync-batch-detail'), new RegExp(`Replays batch\\s+#${delivered.id}`));
  });

  test('no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
