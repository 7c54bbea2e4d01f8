// The batch sync sidebar as an admin meets it after `npm start`: Node-RED started as `npm start` starts it, on
// temporary copies, driven in Debian's headless Chromium through playwright-core. The sample batch shows
// FAILED; a failed row is corrected (a refused correction first), marked READY and resent; the rest is
// discarded in bulk and the batch ends PROCESSED; a dispatcher is paused and throttled and its node status
// follows. Screenshots of the tab go to docs/ on request (BSYNC_UPDATE_SCREENSHOT=1 npm test -- sidebar).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, startNodeRed, waitFor, type NodeRedProcess } from '../support/node-red-process';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;

const CHROMIUM = '/usr/bin/chromium';
const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium): the sidebar test needs a real browser`;
const SHOTS = process.env.BSYNC_UPDATE_SCREENSHOT === '1' ? path.join(ROOT, 'docs') : fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-sidebar-shots-'));
const BATCHES_DISPATCHER = 'batches:employee-bank-connections:*';
const BAD_CORRECTION = { employeeNumber: 100237, iban: 'NL00 STILL NOT AN IBAN', bankIdentifier: 'ABNANL2A', branchIdentifier: '', accountNumber: '0417164301' };
const GOOD_CORRECTION = { ...BAD_CORRECTION, iban: 'NL91ABNA0417164300' };

describe('the batch sync sidebar of `npm start`', { skip, timeout: 300_000 }, () => {
  let red: NodeRedProcess;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];

  function database() {
    return new Database(red.databaseFile, { readonly: true, fileMustExist: true });
  }
  function newestSampleBatch(): Record<string, any> | undefined {
    const db = database();
    try {
      return db.prepare("SELECT * FROM bsync_batch WHERE group_type = 'employee-bank-connections' ORDER BY id DESC LIMIT 1").get() as Record<string, any> | undefined;
    } finally {
      db.close();
    }
  }
  function batchRow(id: number): Record<string, any> {
    const db = database();
    try {
      return db.prepare('SELECT * FROM bsync_batch WHERE id = ?').get(id) as Record<string, any>;
    } finally {
      db.close();
    }
  }
  function errorPayloads(batchId: number): Record<string, any>[] {
    const db = database();
    try {
      return db.prepare('SELECT * FROM bsync_error_payload WHERE batch_id = ? ORDER BY id').all(batchId) as Record<string, any>[];
    } finally {
      db.close();
    }
  }
  async function shot(name: string) {
    await page.locator('#bsync-sidebar').screenshot({ path: path.join(SHOTS, name) });
  }
  async function text(selector: string): Promise<string> {
    return (await page.locator(selector).first().innerText()).trim();
  }

  before(async () => {
    // The Database sync tab parks batches of its own 20 s after the start: they would redraw the list under the clicks.
    red = await startNodeRed({ disabledTabs: ['Database sync'] });
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
    // The sample batch of the first start has gone through the shipped flow.
    await waitFor('batch 1 FAILED', () => (batchRow(1)?.status === 'FAILED' ? true : undefined), 90_000, () => red.log().slice(-3000));
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
  });

  test('the batch sync tab is in the sidebar, and the sample batch shows FAILED with its counts', async () => {
    assert.equal(await page.locator('#red-ui-tab-bsync-sidebar').count(), 1, 'a batch sync tab');
    await page.evaluate(() => (window as any).RED.sidebar.show('bsync-sidebar'));
    await page.waitForSelector('#bsync-sidebar', { state: 'visible' });
    const stored = batchRow(1);
    const row = page.locator('#bsync-batch-rows tr[data-batch-id="1"]');
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('#bsync-batch-rows tr[data-batch-id="1"][data-status="FAILED"]').waitFor({ timeout: 15_000 });
    assert.equal(await row.locator('.bsync-status').innerText(), 'FAILED');
    assert.equal(
      (await row.locator('.bsync-counts').innerText()).trim(),
      `${stored.processed_rows}/${stored.total_rows}: ${stored.succeeded_rows} ok, ${stored.failed_rows} failed`,
    );
    assert.equal(stored.total_rows, 14);
    // Keyboard: the row takes the focus and opens with Enter.
    await row.focus();
    await page.keyboard.press('Enter');
    await page.locator('#bsync-batch-detail[data-batch-id="1"]').waitFor({ state: 'visible' });
    const detail = await text('#bsync-batch-detail');
    assert.match(detail, /employee-bank-connections-sample\.csv/);
    assert.match(detail, /employee-bank-connections-sample\.errors\.csv/, 'the error file');
    assert.match(detail, new RegExp(`${stored.failed_rows} open, 0 in a replay, 0 resolved, 0 discarded`));
    await shot('sidebar-batches.png');
  });

  test('a failed row: a refused correction shows its reason at the field, a good one is saved, READY, resent and RESOLVED', async () => {
    await page.click('#bsync-batch-detail [data-action="show-errors"]');
    await page.waitForSelector('#bsync-pane-errors', { state: 'visible' });
    const failed = errorPayloads(1);
    const ibanRow = failed.find((row) => row.row_number === 4)!;
    assert.ok(ibanRow, 'row 4 of the sample is an error payload');
    await page.locator(`#bsync-ep-rows tbody[data-error-payload-id="${ibanRow.id}"]`).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#bsync-ep-rows tbody[data-error-payload-id]').count(), failed.length, 'the error payloads of batch 1');
    await page.click(`#bsync-ep-rows tbody[data-error-payload-id="${ibanRow.id}"]`);
    await page.locator(`#bsync-ep-detail[data-error-payload-id="${ibanRow.id}"]`).waitFor({ state: 'visible' });
    const detail = await text('#bsync-ep-detail');
    assert.match(detail, /validation/);
    assert.ok(detail.includes(ibanRow.error), 'the message is shown as stored');
    // The payload in Node-RED's code editor.
    await page.waitForFunction(() => Boolean((window as any).$('#bsync-ep-editor').data('editor')));

    await page.evaluate((value) => (window as any).$('#bsync-ep-editor').data('editor').setValue(value), JSON.stringify(BAD_CORRECTION, null, 2));
    await page.click('#bsync-ep-save');
    const refusal = page.locator('#bsync-ep-refusals li[data-field="iban"]');
    await refusal.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await refusal.innerText(), /^iban column "iban": value "NL00 STILL NOT AN IBAN" does not match the pattern/);
    assert.equal(errorPayloads(1).find((row) => row.id === ibanRow.id)!.payload, ibanRow.payload, 'the refused correction changed nothing');
    await shot('sidebar-correction-refused.png');

    await page.evaluate((value) => (window as any).$('#bsync-ep-editor').data('editor').setValue(value), JSON.stringify(GOOD_CORRECTION, null, 2));
    await page.click('#bsync-ep-save');
    await waitFor('the correction stored', () => {
      const stored = errorPayloads(1).find((row) => row.id === ibanRow.id)!;
      return stored.payload && JSON.parse(stored.payload).iban === GOOD_CORRECTION.iban ? true : undefined;
    }, 10_000);
    await page.locator('#bsync-ep-refusals').waitFor({ state: 'hidden' });
    await page.click('#bsync-ep-ready');
    await page.locator(`#bsync-ep-detail[data-status="READY"], #bsync-ep-detail[data-status="RESUBMITTED"], #bsync-ep-detail[data-status="RESOLVED"]`).waitFor({ timeout: 10_000 });
    // The shipped errors dispatcher (every 5 s) resends it; the sidebar follows it to its end.
    await page.locator(`#bsync-ep-detail[data-error-payload-id="${ibanRow.id}"][data-status="RESOLVED"]`).waitFor({ timeout: 60_000 });
    assert.equal(errorPayloads(1).find((row) => row.id === ibanRow.id)!.status, 'RESOLVED');
    const events = await text('#bsync-ep-detail .bsync-events');
    assert.match(events, /corrected/);
    assert.match(events, /anonymous/, 'the editor user without adminAuth, as Node-RED names it');
  });

  test('the rest is discarded in bulk, with a count and a confirmation, and the batch ends PROCESSED', async () => {
    const open = errorPayloads(1).filter((row) => row.status === 'NEW' || row.status === 'READY');
    assert.ok(open.length > 0);
    await page.click('#bsync-ep-bulk-discard');
    await page.locator('#bsync-ep-bulk-confirm').waitFor({ state: 'visible' });
    assert.equal(await text('#bsync-ep-bulk-text'), `Discard ${open.length} NEW or READY error payloads?`, `the open rows: ${JSON.stringify(errorPayloads(1).map((row) => [row.id, row.status]))}`);
    // Without a reason it is refused, in words.
    await page.click('#bsync-ep-bulk-yes');
    assert.match(await text('#bsync-message'), /Say why/);
    assert.equal(errorPayloads(1).filter((row) => row.status === 'DISCARDED').length, 0);
    await page.fill('#bsync-ep-bulk-reason', 'sample rows, not real employees');
    await shot('sidebar-bulk-discard.png');
    await page.click('#bsync-ep-bulk-yes');
    await waitFor('the bulk discard', async () => ((await text('#bsync-message')) === `${open.length} error payloads changed.` ? true : undefined), 10_000);
    assert.deepEqual(
      errorPayloads(1).filter((row) => row.status === 'DISCARDED').map((row) => row.id),
      open.map((row) => row.id),
    );
    assert.equal(batchRow(1).status, 'PROCESSED');
    await page.click('#bsync-view-batches');
    await page.locator('#bsync-batch-rows tr[data-batch-id="1"][data-status="PROCESSED"]').waitFor({ timeout: 10_000 });
  });

  test('a new batch shows up and its counters follow live, over Node-RED comms, without a refresh', async () => {
    await page.click('#bsync-view-batches');
    await page.evaluate(() => {
      const seen: unknown[] = ((window as any).bsyncProgressSeen = []);
      (window as any).RED.comms.subscribe('bsync/batch', (_topic: string, progress: unknown) => seen.push(progress));
    });
    const before = newestSampleBatch()?.id ?? 0;
    // The shipped flow's "drop another sample file" inject, as a click on its button would.
    const droppedAnswer = await fetch(`${red.base}/inject/3c79517848bfd58a`, { method: 'POST' });
    assert.equal(droppedAnswer.status, 200);
    // The dropped file's batch: the newest of the bank connections (the Database sync tab parks its own).
    const dropped2 = await waitFor('the dropped file parked', () => (newestSampleBatch()?.id > before ? newestSampleBatch()!.id : undefined), 60_000, () => red.log().slice(-3000));
    await waitFor('the dropped batch settled', () => (['PROCESSED', 'FAILED'].includes(batchRow(dropped2)?.status) ? true : undefined), 60_000, () => red.log().slice(-3000));
    const stored = batchRow(dropped2);
    const row = page.locator(`#bsync-batch-rows tr[data-batch-id="${dropped2}"][data-status="${stored.status}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal((await row.locator('.bsync-counts').innerText()).trim(), `${stored.processed_rows}/${stored.total_rows}: ${stored.succeeded_rows} ok, ${stored.failed_rows} failed`);
    const seen = (await page.evaluate(() => (window as any).bsyncProgressSeen)) as { batchId: number; status?: string; storeId: string }[];
    const last = seen.filter((progress) => progress.batchId === dropped2).pop();
    assert.ok(last, 'progress of the dropped batch came over comms');
    assert.equal(last!.status, stored.status);
  });

  test('a dispatcher is paused and throttled from the sidebar, and its node status follows', async () => {
    await page.click('#bsync-view-dispatchers');
    const row = page.locator(`#bsync-dispatcher-rows [data-dispatcher="${BATCHES_DISPATCHER}"]`);
    await row.waitFor({ timeout: 10_000 });
    const nodeId = await page.evaluate(() => (window as any).RED.nodes.filterNodes({ type: 'scheduled-dispatcher' }).find((n: any) => n.mode === 'batches').id as string);
    const nodeStatus = () => page.evaluate((id) => (window as any).RED.nodes.node(id).status?.text as string | undefined, nodeId);
    assert.match((await nodeStatus()) ?? '', /^next run \d\d:\d\d:\d\d · \d+ in flight$/);
    assert.equal(await row.locator('.bsync-state').innerText(), 'running');

    await row.locator('[data-action="pause"]').click();
    await page.locator(`#bsync-dispatcher-rows [data-dispatcher="${BATCHES_DISPATCHER}"][data-paused="true"]`).waitFor({ timeout: 10_000 });
    await waitFor('the node status paused', async () => (/^paused · \d+ in flight$/.test((await nodeStatus()) ?? '') ? true : undefined), 10_000);

    const paused = page.locator(`#bsync-dispatcher-rows [data-dispatcher="${BATCHES_DISPATCHER}"]`);
    await paused.locator('.bsync-fetch-size').fill('3');
    await paused.locator('.bsync-max-in-flight').fill('1');
    await paused.locator('[data-action="throttle"]').click();
    await waitFor('the node status with the throttle', async () => (/^paused · \d+ in flight · now fetch 3, max 1$/.test((await nodeStatus()) ?? '') ? true : undefined), 10_000);
    assert.match(await text('#bsync-message'), /fetch size 3, max in flight 1/);
    await shot('sidebar-dispatchers.png');
    const db = database();
    try {
      const control = db.prepare('SELECT * FROM bsync_control WHERE dispatcher = ?').get(BATCHES_DISPATCHER) as Record<string, any>;
      assert.equal(control.fetch_size, 3);
      assert.equal(control.max_in_flight, 1);
      assert.equal(Boolean(control.paused), true);
      assert.equal(control.updated_by, 'anonymous');
    } finally {
      db.close();
    }
    // The dispatcher's dialog says its values are starting values and shows those in force.
    await page.evaluate((id) => (window as any).RED.editor.edit((window as any).RED.nodes.node(id)), nodeId);
    await page.locator('#node-input-current-throttle').waitFor({ state: 'visible' });
    await waitFor('the values in force in the dialog', async () => (/paused; fetch size 3, max in flight 1/.test(await text('#node-input-current-throttle')) ? true : undefined), 10_000);
    assert.match(await text('#dialog-form'), /starting values/);
    await page.click('#node-dialog-cancel');
  });

  test('the plugin removes its tab cleanly and adds it again; no console errors', async () => {
    await page.evaluate(() => (window as any).RED.plugins.getPlugin('batch-sync-sidebar').onremove());
    assert.equal(await page.locator('#red-ui-tab-bsync-sidebar').count(), 0);
    assert.equal(await page.locator('#bsync-sidebar').count(), 0);
    await page.evaluate(() => (window as any).RED.plugins.getPlugin('batch-sync-sidebar').onadd());
    assert.equal(await page.locator('#red-ui-tab-bsync-sidebar').count(), 1);
    assert.equal(await page.locator('#bsync-sidebar').count(), 1);
    // The browser logs every 4xx answer; the one refused correction above was provoked on purpose.
    const unexpected = consoleErrors.filter((error) => !/status of 422 \(Unprocessable Entity\) \(.*\/bsync\/stores\/[^/]+\/error-payloads\/\d+\)$/.test(error));
    assert.deepEqual(unexpected, []);
    assert.equal(consoleErrors.length, 1, 'the refused correction was logged once');
  });
});
