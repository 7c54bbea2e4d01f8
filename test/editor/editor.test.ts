// The editor as a user meets it after `npm start`: Node-RED started the way `npm start` starts it (same
// settings.js, this checkout installed as a package of the user directory, the shipped flows and the
// sample file), on a free port and on temporary copies of data/ and flows/, driven in Debian's headless
// Chromium through playwright-core. Saves the screenshot the README shows (docs/flow.png).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../support/free-port';

// Browser globals, for the functions that run in the page (the project compiles without the DOM lib).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const DOMParser: any;
type HTMLElement = any;

const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..', '..');
const PACKAGE_NAME: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).name;
const SHIPPED_API = 'http://127.0.0.1:1880/demo-payroll';
// The README's picture is refreshed on request only (BSYNC_UPDATE_SCREENSHOT=1 npm test -- editor), so a test
// run does not leave the work tree changed; otherwise the screenshot goes to a temporary file.
const SCREENSHOT = process.env.BSYNC_UPDATE_SCREENSHOT === '1'
  ? path.join(ROOT, 'docs', 'flow.png')
  : path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-shot-')), 'flow.png');

/** The flow nodes of the shipped flow (their dialogs are opened there), and all our types in the palette. */
const FLOW_TYPES = ['file-persister', 'parking-lot', 'scheduled-dispatcher', 'row-processor', 'error-payload'];
const PALETTE_FLOW_TYPES = [...FLOW_TYPES, 'table-extract'];
const CONFIG_TYPES = ['batch-store', 'api-endpoint', 'source-database'];
const CATEGORY = 'batch sync';
const COLOR = '#E2D96E';
/** A catalog key shown as text means a label that is not in the locale catalog. */
const RAW_KEY = /\b(?:batch-store|api-endpoint|source-database|file-persister|parking-lot|scheduled-dispatcher|row-processor|table-extract|error-payload)\.[A-Za-z]+(?:\.[A-Za-z]+)*\b/;

const skip = fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium): the editor test needs a real browser`;


async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(check)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the editor of `npm start`', { skip, timeout: 240_000 }, () => {
  let tmp: string;
  let dataDir: string;
  let child: ChildProcess | undefined;
  let log = '';
  let base: string;
  let browser: Browser | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const logTail = () => `--- Node-RED log (tail) ---\n${log.slice(-4000)}`;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-editor-'));
    dataDir = path.join(tmp, 'data');
    // What scripts/link-package.js does for data/: this checkout installed as a package of the user directory.
    const link = path.join(dataDir, 'node-red', 'node_modules', ...PACKAGE_NAME.split('/'));
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(ROOT, link, 'dir');
    // What scripts/prepare-demo.js does on a first start: the sample file in the inbound folder.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'prepare-demo.js')], { env: { ...process.env, BSYNC_DATA_DIR: dataDir }, stdio: 'ignore' });

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The shipped flows, on this port: the demo payroll API they call is served by the same Node-RED.
    const shipped = fs.readFileSync(path.join(ROOT, 'flows', 'flows.json'), 'utf8');
    assert.ok(shipped.includes(SHIPPED_API), `flows/flows.json: the api-endpoint should point at ${SHIPPED_API}`);
    const flowFile = path.join(tmp, 'flows', 'flows.json');
    fs.mkdirSync(path.dirname(flowFile), { recursive: true });
    // Every demo API of the shipped flow (payroll, CRM) is served by the same Node-RED: moved to this port.
    fs.writeFileSync(flowFile, shipped.split('http://127.0.0.1:1880/').join(`${base}/`));

    child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'node-red', 'red.js'), '--settings', path.join(ROOT, 'settings.js')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), BSYNC_DATA_DIR: dataDir, BSYNC_FLOW_FILE: flowFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (log += chunk));
    child.stderr!.on('data', (chunk) => (log += chunk));
    let exited = false;
    child.on('exit', () => (exited = true));
    await waitFor(
      'Node-RED to serve the editor',
      async () => {
        if (exited) throw new Error('Node-RED exited');
        const response = await fetch(`${base}/`);
        return response.ok ? true : undefined;
      },
      60_000,
      logTail,
    );
    assert.equal(exited, false, `Node-RED exited\n${logTail()}`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1560, height: 760 } });
    // Errors of the editor itself; the palette manager's catalogue on the internet is not ours to judge.
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const url = message.location()?.url ?? '';
      if (url && !url.startsWith(base)) return;
      consoleErrors.push(`${message.text()} (${url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => {
      const RED = (window as any).RED;
      return RED?.nodes?.filterNodes && RED.nodes.filterNodes({ type: 'row-processor' }).length > 0 && document.querySelector('#red-ui-palette-container-batch_sync');
    }, undefined, { timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  // A failed test may leave a dialog open: close it, so the next test starts from the canvas.
  afterEach(async () => {
    if (!page) return;
    for (const cancel of ['#node-config-dialog-cancel', '#node-dialog-cancel', '#red-ui-clipboard-dialog-cancel']) {
      const button = page.locator(cancel);
      if (await button.isVisible().catch(() => false)) await button.click().catch(() => undefined);
      await page.waitForTimeout(300);
    }
  });

  /** Opens the edit dialog of the first node of a type in the shipped flow, by double-clicking it on its tab. */
  async function openNode(type: string): Promise<string> {
    const id = await page.evaluate((nodeType) => {
      const RED = (window as any).RED;
      const node = RED.nodes.filterNodes({ type: nodeType })[0];
      if (!node) return undefined;
      RED.workspaces.show(node.z);
      return node.id as string;
    }, type);
    assert.ok(id, `the shipped flow has a ${type} node`);
    await page.dblclick(`[id="${id}"] .red-ui-flow-node`);
    await page.waitForSelector('#dialog-form', { state: 'visible' });
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    await page.waitForTimeout(400);
    return id!;
  }

  async function closeNode(): Promise<void> {
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#dialog-form', { state: 'detached' });
    await page.waitForTimeout(200);
  }

  /** From an open flow node dialog: opens its config node's dialog by the pencil next to `field`. */
  async function openConfig(field: string): Promise<void> {
    await page.click(`#node-input-btn-${field}-edit`);
    await page.waitForSelector('#node-config-dialog-edit-form', { state: 'visible' });
    await page.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
    await page.waitForTimeout(400);
  }

  async function closeConfig(): Promise<void> {
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-dialog-edit-form', { state: 'detached' });
    await page.waitForTimeout(200);
  }

  async function formProblems(form: string): Promise<{ rawKeys: string | null; invalid: string[] }> {
    return page.evaluate(
      ({ selector, raw }) => {
        const element = document.querySelector(selector) as HTMLElement;
        const text = element.innerText + ' ' + [...element.querySelectorAll('[placeholder]')].map((e) => e.getAttribute('placeholder')).join(' ');
        const match = new RegExp(raw).exec(text);
        const invalid = [...element.querySelectorAll('.input-error')].map((e) => e.id || e.previousElementSibling?.id || e.className);
        return { rawKeys: match ? match[0] : null, invalid };
      },
      { selector: form, raw: RAW_KEY.source },
    );
  }

  test('our 9 node types are registered, the 6 flow nodes in the palette under "batch sync", each with icon, labels and help', async () => {
    const found = await page.evaluate(
      ({ flowTypes, configTypes }) => {
        const RED = (window as any).RED;
        const describe = (type: string) => {
          const def = RED.nodes.getType(type);
          const help = document.querySelector(`script[data-help-name="${type}"]`);
          const headings = help ? [...new DOMParser().parseFromString(help.innerHTML, 'text/html').querySelectorAll('h3')].map((h) => h.textContent!.trim()) : null;
          const paletteNode = document.querySelector(`#red-ui-palette-container-batch_sync [data-palette-type="${type}"]`) as HTMLElement | null;
          return {
            type,
            registered: Boolean(def),
            category: def?.category,
            color: def?.color,
            icon: def ? typeof def.icon === 'function' || Boolean(def.icon) : false,
            inPalette: Boolean(paletteNode),
            paletteLabel: paletteNode?.innerText.trim() ?? null,
            inputLabel: def?.inputLabels ? String(typeof def.inputLabels === 'function' ? def.inputLabels.call(Object.assign(Object.create(def), { _: def._ }), 0) : def.inputLabels) : '',
            outputLabels: def?.outputLabels
              ? Array.from({ length: def.outputs || 0 }, (_, i) => String(typeof def.outputLabels === 'function' ? def.outputLabels.call(Object.assign(Object.create(def), { _: def._ }), i) : def.outputLabels[i]))
              : [],
            headings,
          };
        };
        return { flow: flowTypes.map(describe), config: configTypes.map(describe) };
      },
      { flowTypes: PALETTE_FLOW_TYPES, configTypes: CONFIG_TYPES },
    );
    for (const node of found.flow) {
      assert.ok(node.registered, `${node.type} is registered in the editor`);
      assert.equal(node.category, CATEGORY, `${node.type}: palette category`);
      assert.equal(node.color, COLOR, `${node.type}: palette colour`);
      assert.ok(node.icon, `${node.type}: has an icon`);
      assert.ok(node.inPalette, `${node.type} is in the palette under "${CATEGORY}"`);
      assert.ok(node.paletteLabel && !RAW_KEY.test(node.paletteLabel), `${node.type}: palette label "${node.paletteLabel}" comes from the catalog`);
      for (const label of [node.inputLabel, ...node.outputLabels]) assert.ok(!RAW_KEY.test(label), `${node.type}: port label "${label}" comes from the catalog`);
      assert.ok(node.headings, `${node.type} has help`);
      for (const heading of ['Inputs', 'Outputs', 'Details']) assert.ok(node.headings!.includes(heading), `${node.type} help has ${heading} (has ${node.headings!.join(', ')})`);
    }
    for (const node of found.config) {
      assert.ok(node.registered, `${node.type} is registered in the editor`);
      assert.equal(node.category, 'config', `${node.type} is a config node`);
      assert.ok(node.headings, `${node.type} has help`);
      assert.ok(node.headings!.includes('Details'), `${node.type} help has Details`);
      assert.ok(!node.headings!.includes('Inputs') && !node.headings!.includes('Outputs'), `${node.type} help: a config node has no Inputs / Outputs`);
    }
  });

  test('the shipped flow loads with every node known and valid', async () => {
    const problems = await page.evaluate(() => {
      const RED = (window as any).RED;
      const found: string[] = [];
      RED.nodes.eachNode((n: any) => {
        if (n.type === 'unknown' || !n._def || n._def.category === undefined) found.push(`${n.type} ${n.id}: unknown type`);
        else if (n.valid === false) found.push(`${n.type} ${n.name || n.id}: invalid`);
      });
      RED.nodes.eachConfig((n: any) => {
        if (n.valid === false) found.push(`${n.type} ${n.name || n.id}: invalid`);
      });
      return found;
    });
    assert.deepEqual(problems, []);
  });

  test("each node's edit dialog opens, with catalog labels and no console errors", async () => {
    const before = consoleErrors.length;
    for (const type of FLOW_TYPES) {
      await openNode(type);
      const problems = await formProblems('#dialog-form');
      assert.equal(problems.rawKeys, null, `${type} dialog shows a catalog key: ${problems.rawKeys}`);
      assert.deepEqual(problems.invalid, [], `${type} dialog: fields marked invalid in the shipped flow`);
      if (type === 'row-processor') {
        for (const field of ['store', 'endpoint']) {
          await openConfig(field);
          const config = await formProblems('#node-config-dialog-edit-form');
          assert.equal(config.rawKeys, null, `${field} config dialog shows a catalog key: ${config.rawKeys}`);
          assert.deepEqual(config.invalid, [], `${field} config dialog: fields marked invalid`);
          await closeConfig();
        }
      }
      await closeNode();
    }
    assert.deepEqual(consoleErrors.slice(before), [], 'console errors while opening the edit dialogs');
  });

  test('the edit dialogs refuse a bad cron expression, JSON Schema, JSONata expression and URL before a deploy', async () => {
    const invalid = (selector: string) => page.evaluate((s) => document.querySelector(s)!.classList.contains('input-error'), selector);
    const setTyped = (field: string, value: string) =>
      page.evaluate(
        ({ f, v }) => {
          const $ = (window as any).$;
          $(`#node-input-${f}`).typedInput('value', v);
          $(`#node-input-${f}`).trigger('change');
        },
        { f: field, v: value },
      );

    await openNode('scheduled-dispatcher');
    for (const [cron, bad] of [
      ['every day', true],
      ['99 * * * *', true],
      ['0 2 * * *', false],
      ['*/5 * * * * *', false],
    ] as const) {
      await page.fill('#node-input-cron', cron);
      await page.locator('#node-input-cron').dispatchEvent('change');
      assert.equal(await invalid('#node-input-cron'), bad, `cron "${cron}" ${bad ? 'refused' : 'accepted'}`);
    }
    await page.fill('#node-input-timezone', 'Mars/Olympus');
    await page.locator('#node-input-timezone').dispatchEvent('change');
    assert.equal(await invalid('#node-input-timezone'), true, 'an unknown time zone is refused');
    await closeNode();

    await openNode('row-processor');
    const typed = (field: string) => `#node-input-${field} + .red-ui-typedInput-container`;
    for (const [field, value, bad] of [
      ['schema', '{"type": "object", "properties": {"iban": {"type": "strin"}}}', true],
      ['schema', '{"type": "object", "properties": {"iban": {"type": "string", "pattern": "([A-Z"}}}', true],
      ['schema', '{"type": "object"', true],
      ['schema', '{"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string", "pattern": "^[A-Z]{2}"}}}', false],
      ['mapping', '$sift($, function($v) {', true],
      ['mapping', '{"iban": iban}', false],
      ['successExpression', 'status = ', true],
      ['successExpression', 'status = "SUCCESS"', false],
    ] as const) {
      await setTyped(field, value);
      assert.equal(await invalid(typed(field)), bad, `${field} ${JSON.stringify(value)} ${bad ? 'refused' : 'accepted'}`);
    }
    await page.fill('#node-input-pathTemplate', 'employees/{employeeNumber}');
    await page.locator('#node-input-pathTemplate').dispatchEvent('change');
    assert.equal(await invalid('#node-input-pathTemplate'), true, 'a path without the leading / is refused');

    await openConfig('endpoint');
    for (const [url, bad] of [
      ['payroll.example.com/api', true],
      ['ftp://payroll.example.com', true],
      ['https://payroll.example.com/api/v1', false],
    ] as const) {
      await page.fill('#node-config-input-baseUrl', url);
      await page.locator('#node-config-input-baseUrl').dispatchEvent('change');
      assert.equal(await invalid('#node-config-input-baseUrl'), bad, `base URL "${url}" ${bad ? 'refused' : 'accepted'}`);
    }
    await closeConfig();
    await closeNode();
  });

  test('the edit dialogs refuse the numbers the runtime refuses, with the runtime\'s reason', async () => {
    const invalid = (field: string) => page.evaluate((f) => document.querySelector(`#node-input-${f}`)!.classList.contains('input-error'), field);
    const enter = async (field: string, value: string) => {
      await page.fill(`#node-input-${field}`, value);
      await page.locator(`#node-input-${field}`).dispatchEvent('change');
    };
    // The reason the dialog shows (its tooltip) is what the field's validator returns for what the dialog holds.
    const reason = (nodeId: string, field: string) =>
      page.evaluate(
        ({ id, f }) => {
          const RED = (window as any).RED;
          const node = RED.nodes.node(id);
          const answer = node._def.defaults[f].validate.call(node, (window as any).$(`#node-input-${f}`).val(), {});
          return answer === true ? true : String(answer);
        },
        { id: nodeId, f: field },
      );
    const check = async (nodeId: string, cases: ReadonlyArray<readonly [string, string, RegExp | true]>) => {
      for (const [field, value, expected] of cases) {
        await enter(field, value);
        assert.equal(await invalid(field), expected !== true, `${field} ${JSON.stringify(value)} ${expected === true ? 'accepted' : 'refused'}`);
        if (expected === true) assert.equal(await reason(nodeId, field), true);
        else assert.match(String(await reason(nodeId, field)), expected);
      }
    };

    const processor = await openNode('row-processor');
    await check(processor, [
      ['maxAttempts', '0', /^maxAttempts must be a whole number from 1 to 100, got "0"$/],
      ['maxAttempts', '', true],
      ['baseDelayMs', '-1', /^baseDelayMs must be a whole number from 0 to 3600000, got "-1"$/],
      ['baseDelayMs', '250', true],
      ['concurrency', '0', /^concurrency must be a whole number from 1 to 256, got "0"$/],
      ['concurrency', '2.5', /^concurrency must be a whole number from 1 to 256, got "2.5"$/],
      ['concurrency', '8', true],
      ['leaseTime', '3', /^leaseTime must be a number from 5 to 86400, got "3"$/],
      ['leaseTime', '7.5', true],
      ['maxDelayMs', '100', /^the longest backoff \(100 ms\) is shorter than the first \(250 ms\)$/],
    ]);
    // The longest backoff is judged again when the first changes.
    await enter('baseDelayMs', '50');
    assert.equal(await invalid('maxDelayMs'), false, 'a first backoff below the longest makes the longest valid again');
    await closeNode();

    await check(await openNode('scheduled-dispatcher'), [
      ['fetchSize', '0', /^fetchSize must be a whole number from 1 to 10000, got "0"$/],
      ['leaseSeconds', '4', /^leaseSeconds must be a whole number from 5 to 86400, got "4"$/],
      ['fetchSize', '', true],
    ]);
    await closeNode();
    await check(await openNode('file-persister'), [
      ['pollInterval', '-1', /^pollInterval must be a number from 0 to 86400, got "-1"$/],
      ['pollInterval', '0.5', true],
    ]);
    await closeNode();
    await check(await openNode('parking-lot'), [
      ['priority', '1.5', /^priority must be a whole number from -1000000 to 1000000, got "1.5"$/],
      ['parkingMinutes', '', true],
    ]);
    await closeNode();
  });

  test('the sample batch goes through the shipped flow; screenshot of it for the README', async () => {
    // The sample file prepare-demo placed: parked, dispatched, processed, its bad rows kept. Its batch id is
    // read from the store, not assumed: the demo tab's extract parks batches of its own.
    const storeFile = path.join(dataDir, 'node-red', 'bsync.sqlite');
    const readStore = <T>(read: (db: Database.Database) => T): T | undefined => {
      if (!fs.existsSync(storeFile)) return undefined;
      const db = new Database(storeFile, { readonly: true, fileMustExist: true });
      try {
        return read(db);
      } finally {
        db.close();
      }
    };
    const batchTable = () =>
      `--- bsync_batch ---\n${JSON.stringify(readStore((db) => db.prepare('SELECT id, status, group_type, file_name, total_rows FROM bsync_batch ORDER BY id').all()) ?? 'no store yet')}\n${logTail()}`;
    const sampleBatchId = await waitFor(
      'the sample file to be parked as a batch',
      async () =>
        readStore((db) => {
          try {
            const row = db.prepare('SELECT id FROM bsync_batch WHERE file_name = ?').get('employee-bank-connections-sample.csv') as { id: number } | undefined;
            return row?.id;
          } catch {
            return undefined; // the store's tables are still being created
          }
        }),
      60_000,
      batchTable,
    );
    const status = await waitFor(
      `the row-processor to report batch ${sampleBatchId}`,
      () =>
        page.evaluate((id) => {
          const RED = (window as any).RED;
          const node = RED.nodes.filterNodes({ type: 'row-processor' }).find((n: any) => n.name === 'send bank connections');
          const text = node?.status?.text as string | undefined;
          return text && new RegExp(`^batch ${id} (PROCESSED|FAILED)`).test(text) ? text : undefined;
        }, sampleBatchId),
      90_000,
      batchTable,
    );
    assert.match(status, new RegExp(`^batch ${sampleBatchId} FAILED: \\d+ ok, \\d+ failed$`));
    readStore((db) => {
      const batch = db.prepare('SELECT status, total_rows, succeeded_rows, failed_rows FROM bsync_batch WHERE id = ?').get(sampleBatchId) as Record<string, number | string>;
      assert.equal(batch.status, 'FAILED');
      assert.equal(batch.total_rows, 14);
      assert.ok(Number(batch.failed_rows) >= 4, `the 4 bad rows failed (${batch.failed_rows} failed)`);
      const kept = db.prepare('SELECT error_kind, http_status FROM bsync_error_payload WHERE batch_id = ? ORDER BY row_number').all(sampleBatchId) as Array<{ error_kind: string; http_status: number | null }>;
      assert.equal(kept.length, batch.failed_rows, 'every failed row is kept as an error payload');
      assert.equal(kept.filter((row) => row.error_kind === 'validation').length, 2, 'two rows fail the row schema');
      assert.ok(kept.filter((row) => row.http_status === 422).length >= 2, 'the payroll API refuses two employee numbers');
    });
    await waitFor('the completion summary and e-mail in the Node-RED log', () => (log.includes('[debug:completion summary]') && log.includes(`Subject: [batch sync] batch ${sampleBatchId} FAILED`) ? true : undefined), 10_000, logTail);

    // The Dispatch tab, sidebar closed, the palette folded to our category.
    await page.evaluate(() => {
      const RED = (window as any).RED;
      const $ = (window as any).$;
      let dispatch: any;
      RED.nodes.eachWorkspace((ws: any) => {
        if (ws.label === 'Dispatch') dispatch = ws;
      });
      RED.workspaces.show(dispatch.id);
      RED.menu.setSelected('menu-item-sidebar', false);
      $('.red-ui-palette-category[id^="red-ui-palette-container-"]').each(function (this: HTMLElement) {
        const open = $(this).hasClass('red-ui-palette-open');
        const ours = this.id === 'red-ui-palette-container-batch_sync';
        if (open !== ours) $(this).children('.red-ui-palette-header').trigger('click');
      });
    });
    await page.setViewportSize({ width: 1480, height: 660 });
    await page.mouse.click(1300, 600); // nothing selected
    await page.mouse.move(0, 0);
    await page.waitForTimeout(1000);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.ok(fs.statSync(SCREENSHOT).size > 20_000, 'the screenshot has content');
    await page.setViewportSize({ width: 1560, height: 760 });
  });

  test('an example imports from Import > Examples', async () => {
    const before = consoleErrors.length;
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.click('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a');
    const examples = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await examples.locator('.red-ui-treeList-label', { hasText: PACKAGE_NAME }).first().click();
    const example = examples.locator('.red-ui-treeList-label').filter({ hasText: /^\s*row-processor\s*$/ });
    await example.first().click();
    await page.click('#red-ui-clipboard-dialog-ok');
    const imported = await waitFor(
      'the imported example tab',
      () =>
        page.evaluate(() => {
          const RED = (window as any).RED;
          let tab: any;
          RED.nodes.eachWorkspace((ws: any) => {
            if (ws.label === 'row-processor example') tab = ws;
          });
          if (!tab) return undefined;
          const types = RED.nodes.filterNodes({ z: tab.id }).map((n: any) => n.type);
          return { types, invalid: RED.nodes.filterNodes({ z: tab.id }).filter((n: any) => n.valid === false).map((n: any) => n.type) };
        }),
      10_000,
    );
    for (const type of ['comment', 'file-persister', 'parking-lot', 'scheduled-dispatcher', 'row-processor']) {
      assert.ok(imported.types.includes(type), `the imported example has a ${type} node (has ${imported.types.join(', ')})`);
    }
    assert.deepEqual(imported.invalid, [], 'the imported example is valid as it is');
    assert.deepEqual(consoleErrors.slice(before), [], 'console errors while importing');
  });
});
