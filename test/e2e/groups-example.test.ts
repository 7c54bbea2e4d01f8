// examples/row-processor-groups.json runs on import: deployed as shipped (only its API base URL pointed at
// this Node-RED), it creates its contacts table, extracts it, and sends the contacts account by account to
// its own demo CRM API, one call per account and at most 5 contacts a call; the contact without an e-mail is
// refused on its own. "change a contact" then sends only the changed contacts, one call per changed
// account, and the refused contact, corrected through the admin routes, is resent on its own. Read through
// the admin routes, as the sidebar reads them, the demo API's own record of its calls, and the source table.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { eventually } from '../support/node-red';
import { RuntimeProcess, type FlowNode } from '../support/runtime-process';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'row-processor-groups.json');
const ROWS_PER_CALL = 5;

interface BatchView {
  id: number;
  status: string;
  succeededRows: number;
  failedRows: number;
  totalRows: number | null;
}

interface ErrorPayloadView {
  id: number;
  status: string;
  error: string;
  batchId: number;
  rowNumber: number | null;
  rowCount: number;
  payload: unknown;
  idempotencyKey: string;
}

interface CrmCall {
  accountId: string;
  key: string;
  contactIds: string[];
  replayed: boolean;
}

interface CrmContact {
  id: string;
  contactId: string;
  accountId: string;
  name: string;
  email: string;
  creates: number;
  updates: number;
}

interface SourceContact {
  contact_id: string;
  account_id: string;
  name: string;
  email: string | null;
  updated_at: string;
}

describe('examples/row-processor-groups.json', { timeout: 180_000 }, () => {
  let runtime: RuntimeProcess;
  before(async () => {
    runtime = await RuntimeProcess.start({ flows: [] });
    // The example's function nodes use better-sqlite3 as a function module. On a user's Node-RED the first
    // deploy installs it into the user directory (npm, from the registry); the test runtime may not install
    // (externalModules.modules.allowInstall is off), so it gets what that install leaves: the module in the
    // user directory's package.json and node_modules (here the copy this package depends on).
    const manifestFile = path.join(runtime.userDir, 'package.json');
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { dependencies: Record<string, string> };
    const installed = path.join(ROOT, 'node_modules', 'better-sqlite3');
    manifest.dependencies['better-sqlite3'] = (JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { version: string }).version;
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
    fs.symlinkSync(installed, path.join(runtime.userDir, 'node_modules', 'better-sqlite3'), 'dir');
  });
  after(async () => {
    await runtime?.stop();
  });

  it('sends each account in calls of at most 5, the refused contact on its own, then only what changed', async () => {
    const shipped = fs.readFileSync(EXAMPLE, 'utf8');
    await runtime.deploy(JSON.parse(shipped.split('http://127.0.0.1:1880/').join(`${runtime.url}/`)) as FlowNode[]);
    const nodes = JSON.parse(shipped) as FlowNode[];
    const storeId = nodes.find((node) => node.type === 'batch-store')!.id as string;
    const changeInject = nodes.find((node) => node.type === 'inject' && node.name === 'change a contact')!.id as string;
    const admin = async <T>(route: string, init?: { method: string; body: unknown }): Promise<T> => {
      const response = await fetch(`${runtime.url}/bsync/stores/${storeId}/${route}`, init && { method: init.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) });
      assert.ok(response.ok, `${init?.method ?? 'GET'} ${route} answered ${response.status}: ${await response.clone().text()}`);
      return (await response.json()) as T;
    };
    const batches = async () => (await admin<{ batches: BatchView[] }>('batches?groupType=contacts')).batches.sort((a, b) => a.id - b.id);
    const crm = async () => (await fetch(`${runtime.url}/demo-crm-groups/contacts`).then((response) => response.json())) as { contacts: CrmContact[]; calls: CrmCall[] };
    const sourceRows = (): SourceContact[] => {
      // The example's table, where its source-database reads it: in the user directory (the runtime's cwd).
      const db = new Database(path.join(runtime.userDir, 'contacts-source.sqlite'), { readonly: true });
      try {
        return db.prepare('SELECT contact_id, account_id, name, email, updated_at FROM contacts ORDER BY contact_id').all() as SourceContact[];
      } finally {
        db.close();
      }
    };

    // The first extract: every contact of the table, in one batch that ends FAILED with the refused one.
    const [first] = await eventually(async () => {
      const found = await batches();
      return found.length > 0 && ['PROCESSED', 'FAILED'].includes(found[0].status) && found;
    }, `the first batch finished\n${runtime.tail()}`, 90_000);
    const table = sourceRows();
    const withoutEmail = table.filter((contact) => !contact.email).map((contact) => contact.contact_id);
    assert.equal(table.length, 30);
    assert.deepEqual(withoutEmail, ['K-009'], 'the table has one contact the demo API refuses');
    assert.deepEqual([first.status, first.succeededRows, first.failedRows], ['FAILED', table.length - 1, 1]);

    const accountOf = new Map(table.map((contact) => [contact.contact_id, contact.account_id]));
    const byAccount = new Map<string, string[]>();
    for (const contact of table) byAccount.set(contact.account_id, [...(byAccount.get(contact.account_id) ?? []), contact.contact_id]);
    assert.ok([...byAccount.values()].some((ids) => ids.length > ROWS_PER_CALL), 'an account has more contacts than one call takes');
    const firstCalls = (await crm()).calls;
    assert.ok(firstCalls.every((call) => !call.replayed), 'no call was sent twice');
    for (const call of firstCalls) {
      assert.ok(call.contactIds.length >= 1 && call.contactIds.length <= ROWS_PER_CALL, `call ${call.key} holds 1 to ${ROWS_PER_CALL} contacts`);
      assert.ok(call.contactIds.every((id) => accountOf.get(id) === call.accountId), `call ${call.key} holds only contacts of ${call.accountId}`);
    }
    assert.deepEqual(firstCalls.flatMap((call) => call.contactIds).sort(), table.map((contact) => contact.contact_id), 'every contact sent once');
    for (const [account, ids] of byAccount) {
      assert.equal(firstCalls.filter((call) => call.accountId === account).length, Math.ceil(ids.length / ROWS_PER_CALL), `${account}: ${ids.length} contacts in calls of at most ${ROWS_PER_CALL}`);
    }
    const created = (await crm()).contacts;
    assert.deepEqual(created.map((contact) => contact.contactId).sort(), table.filter((contact) => contact.email).map((contact) => contact.contact_id));
    assert.ok(created.every((contact) => contact.creates === 1 && contact.updates === 0), 'every contact created once');

    // The refused item is an error payload of its own: its row, its key, its element of the list.
    const errors = (await admin<{ errorPayloads: ErrorPayloadView[] }>(`error-payloads?batchId=${first.id}`)).errorPayloads;
    assert.equal(errors.length, 1);
    const [refused] = errors;
    assert.equal(refused.status, 'NEW');
    assert.equal(refused.rowCount, 1);
    assert.match(refused.error, /K-009 has no e-mail address/);
    const source009 = table.find((contact) => contact.contact_id === 'K-009')!;
    assert.deepEqual(refused.payload, { contactId: 'K-009', accountId: source009.account_id, name: source009.name, email: null });
    const callOfRefused = firstCalls.find((call) => call.contactIds.includes('K-009'))!;
    assert.ok(callOfRefused.contactIds.length > 1, 'the refused contact was sent with others of its account');
    assert.notEqual(refused.idempotencyKey, callOfRefused.key, 'its own key, not the call it failed in');

    // "change a contact": the next extract parks and sends only the changed contacts, one call per account.
    const changedSince = table[0].updated_at;
    const inject = await fetch(`${runtime.url}/inject/${changeInject}`, { method: 'POST' });
    assert.equal(inject.status, 200);
    const [, second] = await eventually(async () => {
      const found = await batches();
      return found.length > 1 && found[1].status === 'PROCESSED' && found;
    }, `the batch of the changed contacts processed\n${runtime.tail()}`, 60_000);
    const changed = sourceRows().filter((contact) => contact.updated_at > changedSince);
    assert.ok(changed.length > 0, 'the inject changed contacts in the table');
    assert.deepEqual([second.succeededRows, second.failedRows], [changed.length, 0]);
    const changedAccounts = [...new Set(changed.map((contact) => contact.account_id))].sort();
    assert.ok(changedAccounts.length > 1, 'contacts of more than one account changed');
    const secondCalls = (await crm()).calls.slice(firstCalls.length);
    assert.deepEqual(secondCalls.map((call) => call.accountId).sort(), changedAccounts, 'one call per changed account');
    assert.deepEqual(secondCalls.flatMap((call) => call.contactIds).sort(), changed.map((contact) => contact.contact_id).sort(), 'only the changed contacts');
    const afterChange = new Map((await crm()).contacts.map((contact) => [contact.contactId, contact]));
    for (const contact of changed) {
      const record = afterChange.get(contact.contact_id)!;
      assert.deepEqual([record.name, record.creates, record.updates], [contact.name, 1, 1], `${contact.contact_id} updated, not created again`);
    }

    // The correction: the refused contact gets an e-mail, is marked READY, and the errors tab resends it alone.
    const corrected = { ...(refused.payload as Record<string, unknown>), email: 'k-009@example.com' };
    await admin(`error-payloads/${refused.id}`, { method: 'PUT', body: { payload: corrected } });
    await admin(`error-payloads/${refused.id}/ready`, { method: 'POST', body: {} });
    await eventually(async () => (await admin<{ errorPayload: ErrorPayloadView }>(`error-payloads/${refused.id}`)).errorPayload.status === 'RESOLVED', `the corrected contact resent\n${runtime.tail()}`, 60_000);
    const resendCalls = (await crm()).calls.slice(firstCalls.length + secondCalls.length);
    assert.deepEqual(resendCalls.map((call) => [call.accountId, call.contactIds, call.key]), [[accountOf.get('K-009'), ['K-009'], refused.idempotencyKey]]);
    const resent = (await crm()).contacts.find((contact) => contact.contactId === 'K-009');
    assert.deepEqual([resent?.email, resent?.creates], ['k-009@example.com', 1]);
    // Nothing went to the Catch node or the log as an error on the way (the extract found its table).
    assert.deepEqual(runtime.log.split('\n').filter((line) => /\[error\]/.test(line)), []);
  });
});
