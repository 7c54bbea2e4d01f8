import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { FileRefusedError, InvalidRequestError } from '../../../lib/errors';
import { issueFileReference, registerBatchFolder } from '../../../lib/files';
import { compileGroupPattern, DuplicateBatchError, parkRequest, type FileReference } from '../../../lib/parking';
import { getBatch, listBatches, listEvents, type Store } from '../../../lib/store';
import { describeEachDatabase, openTestStore } from '../../support/stores';

let shaCounter = 0;
/** A reference as a file-persister of this process issues it: signed, in a registered batch folder. */
function fileReference(overrides: Partial<FileReference> = {}): FileReference {
  shaCounter += 1;
  const fileName = overrides.fileName ?? 'employee-bank-connections_acme_20261122.csv';
  const folder = overrides.folder ?? '/data/processing';
  return issueFileReference({
    kind: 'file',
    fileName,
    folder,
    path: path.join(folder, fileName),
    sha256: shaCounter.toString(16).padStart(64, '0'),
    size: 4096,
    receivedAt: 1_000,
    ...overrides,
  });
}

const unregisterFolders: (() => void)[] = [];
function batchFolder(folder: string): string {
  unregisterFolders.push(registerBatchFolder(folder));
  return folder;
}

function untrusted(error: unknown): boolean {
  assert.ok(error instanceof FileRefusedError, `expected a FileRefusedError, got ${String(error)}`);
  assert.equal(error.code, 'UNTRUSTED_FILE_REFERENCE');
  assert.match(error.message, /nothing was read or moved/);
  return true;
}

describeEachDatabase('parkRequest', (kind) => {
  let store: Store;
  before(async () => {
    store = await openTestStore(kind);
    batchFolder('/data/processing');
  });
  after(async () => {
    await store.close();
    for (const unregister of unregisterFolders.splice(0)) unregister();
  });

  it('parks a file reference as a NEW file batch with its name, folder, sha256 and size', async () => {
    const reference = fileReference();
    const batch = await parkRequest(store, { payload: reference, actor: 'node:parking-lot:lot', now: 10_000 }, { groupType: 'payroll', groupId: 'acme' });
    assert.equal(batch.status, 'NEW');
    assert.equal(batch.kind, 'file');
    assert.deepEqual([batch.file_name, batch.folder, batch.sha256, batch.size], [reference.fileName, '/data/processing', reference.sha256, 4096]);
    assert.deepEqual([batch.group_type, batch.group_id, batch.parked_until, batch.priority], ['payroll', 'acme', 10_000, 0]);
    assert.equal(batch.payload, null);
    const [registered] = await listEvents(store, { entity: 'batch', entityId: batch.id });
    assert.equal(registered.actor, 'node:parking-lot:lot');
  });

  it('parks a re-imported replay file as a RETRY batch of the batch it replays, by name or msg.parentBatchId', async () => {
    const parent = await parkRequest(store, { payload: fileReference({ fileName: 'bank.csv' }), actor: 'test' }, { groupType: 'payroll' });
    const byName = await parkRequest(store, { payload: fileReference({ fileName: `bank.replay-${parent.id}.csv` }), actor: 'test' }, { groupType: 'payroll' });
    assert.deepEqual([byName.parent_batch_id, byName.status], [parent.id, 'RETRY']);
    const byMessage = await parkRequest(store, { payload: fileReference({ fileName: 'fixed.csv' }), parentBatchId: String(parent.id), actor: 'test' }, { groupType: 'payroll' });
    assert.deepEqual([byMessage.parent_batch_id, byMessage.status], [parent.id, 'RETRY']);
    const plain = await parkRequest(store, { payload: fileReference({ fileName: 'other.csv' }), actor: 'test' }, { groupType: 'payroll' });
    assert.deepEqual([plain.parent_batch_id, plain.status], [null, 'NEW']);
    await assert.rejects(
      parkRequest(store, { payload: fileReference({ fileName: 'bank.replay-999999.csv' }), actor: 'test' }, { groupType: 'payroll' }),
      /replays batch 999999, which does not exist; the file stays where it is/,
    );
    await assert.rejects(
      parkRequest(store, { payload: fileReference(), parentBatchId: 'seven', actor: 'test' }, { groupType: 'payroll' }),
      /msg\.parentBatchId must be a batch id/,
    );
  });

  it('stores an object payload as JSON with content type application/json', async () => {
    const payload = { employeeNumber: 'E7', iban: 'DE89370400440532013000' };
    const batch = await parkRequest(store, { payload, actor: 't' }, { groupType: 'single' });
    const stored = await getBatch(store, batch.id);
    assert.equal(stored.kind, 'payload');
    assert.deepEqual(JSON.parse(stored.payload!), payload);
    assert.equal(stored.content_type, 'application/json');
    assert.equal(stored.file_name, null);
  });

  it('stores an XML string byte for byte, sniffed as XML; a SOAP envelope as SOAP; msg.contentType wins', async () => {
    const xml = '  <?xml version="1.0" encoding="UTF-8"?>\n<employee id="7">\r\n\t<iban>DE89 3704 0044 0532 0130 00</iban> <name>Zoë Ørsted &amp; Co</name></employee>\n';
    const stored = await getBatch(store, (await parkRequest(store, { payload: xml, actor: 't' }, { groupType: 'single' })).id);
    assert.equal(stored.payload, xml);
    assert.equal(stored.content_type, 'application/xml');

    const soap = '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>';
    assert.equal((await parkRequest(store, { payload: soap, actor: 't' }, { groupType: 'single' })).content_type, 'application/soap+xml');

    const typed = await parkRequest(store, { payload: '<x/>', contentType: 'text/xml; charset=utf-8', actor: 't' }, { groupType: 'single' });
    assert.equal(typed.content_type, 'text/xml; charset=utf-8');
    const text = await parkRequest(store, { payload: Buffer.from('employee 7 moved', 'utf8'), actor: 't' }, { groupType: 'single' });
    assert.deepEqual([text.payload, text.content_type], ['employee 7 moved', 'text/plain']);
  });

  it('takes the group type and id from the file name through the named groups of the pattern', async () => {
    const rules = { groupType: 'fallback', groupPattern: compileGroupPattern('^(?<groupType>[a-z-]+)_(?<groupId>\\w+)_\\d{8}\\.csv$') };
    const batch = await parkRequest(store, { payload: fileReference({ fileName: 'employee-bank-connections_globex_20261122.csv' }), actor: 't' }, rules);
    assert.deepEqual([batch.group_type, batch.group_id], ['employee-bank-connections', 'globex']);
  });

  it('refuses a file name the pattern does not match, naming the pattern and where the file stays', async () => {
    const rules = { groupPattern: compileGroupPattern('^(?<groupType>[a-z]+)_\\d{8}\\.csv$') };
    const reference = fileReference({ fileName: 'Payroll 2026.csv' });
    const before = await listBatches(store);
    await assert.rejects(parkRequest(store, { payload: reference, actor: 't' }, rules), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /Payroll 2026\.csv does not match the group pattern \^\(\?<groupType>\[a-z\]\+\)_\\d\{8\}\\\.csv\$/);
      assert.match(error.message, /stays in \/data\/processing\/Payroll 2026\.csv/);
      return true;
    });
    assert.equal((await listBatches(store)).total, before.total, 'nothing parked');
  });

  it('lets msg.groupType, msg.groupId and msg.priority override the node and the pattern', async () => {
    const rules = { groupType: 'node-type', groupId: 'node-id', priority: 1, groupPattern: compileGroupPattern('^(?<groupType>[a-z-]+)_') };
    const batch = await parkRequest(
      store,
      { payload: fileReference({ fileName: 'from-name_x.csv' }), groupType: 'msg-type', groupId: 4711, priority: 9, actor: 't' },
      rules,
    );
    assert.deepEqual([batch.group_type, batch.group_id, batch.priority], ['msg-type', '4711', 9]);
    const fromName = await parkRequest(store, { payload: fileReference({ fileName: 'from-name_x.csv' }), actor: 't' }, rules);
    assert.deepEqual([fromName.group_type, fromName.group_id, fromName.priority], ['from-name', 'node-id', 1]);
  });

  it('refuses a request without a group type, saying where one can be set', async () => {
    await assert.rejects(parkRequest(store, { payload: { a: 1 }, actor: 't' }, {}), (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError);
      assert.match(error.message, /no group type: set one on the parking-lot node, in msg\.groupType, or through a \(\?<groupType>…\) group/);
      return true;
    });
  });

  it('sets parked_until to now plus the parking time', async () => {
    const batch = await parkRequest(store, { payload: 'x', actor: 't', now: 1_000_000 }, { groupType: 'single', parkingMinutes: 15 });
    assert.equal(batch.parked_until, 1_000_000 + 15 * 60_000);
    assert.equal(batch.created_at, 1_000_000);
  });

  it('refuses a file whose content is already parked in the group type, naming the batch; allowDuplicates parks it', async () => {
    const first = await parkRequest(store, { payload: fileReference({ sha256: 'd'.repeat(64) }), actor: 't' }, { groupType: 'dup' });
    const copy = fileReference({ sha256: 'd'.repeat(64), fileName: 'copy.csv' });
    await assert.rejects(parkRequest(store, { payload: copy, actor: 't' }, { groupType: 'dup' }), (error: unknown) => {
      assert.ok(error instanceof DuplicateBatchError);
      assert.equal(error.existingBatchId, first.id);
      assert.match(error.message, new RegExp(`as batch ${first.id} \\(NEW, group type dup\\).*stays in /data/processing/copy\\.csv`));
      return true;
    });
    const other = await parkRequest(store, { payload: copy, actor: 't' }, { groupType: 'other-group' });
    assert.equal(other.status, 'NEW', 'the same file in another group type is not a duplicate');
    const allowed = await parkRequest(store, { payload: { ...copy, allowDuplicates: true }, actor: 't' }, { groupType: 'dup' });
    assert.equal(allowed.sha256, 'd'.repeat(64));
  });

  it('moves a refused copy into the duplicates folder of its reference, and says where it went', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-parking-'));
    const processing = batchFolder(path.join(root, 'processing'));
    fs.mkdirSync(processing);
    const sha256 = '9'.repeat(64);
    const first = await parkRequest(store, { payload: fileReference({ sha256, fileName: 'a.csv', folder: processing }), actor: 't' }, { groupType: 'moved' });
    const copyPath = path.join(processing, 'b.csv');
    fs.writeFileSync(copyPath, 'employeeNumber\nE1\n');
    const duplicatesFolder = path.join(root, 'duplicates');
    const copy = fileReference({ sha256, fileName: 'b.csv', folder: processing, path: copyPath, duplicatesFolder });
    await assert.rejects(parkRequest(store, { payload: copy, actor: 't' }, { groupType: 'moved' }), (error: unknown) => {
      assert.ok(error instanceof DuplicateBatchError);
      assert.equal(error.existingBatchId, first.id);
      assert.equal(error.location, path.join(duplicatesFolder, 'b.csv'));
      assert.match(error.message, /was moved to .*duplicates\/b\.csv/);
      return true;
    });
    assert.equal(fs.existsSync(copyPath), false);
    assert.equal(fs.readFileSync(path.join(duplicatesFolder, 'b.csv'), 'utf8'), 'employeeNumber\nE1\n');
  });

  it('parks only one of several copies of a file that arrive at the same moment', async () => {
    const sha256 = 'e'.repeat(64);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => parkRequest(store, { payload: fileReference({ sha256, fileName: `copy-${i}.csv` }), actor: 't' }, { groupType: 'race' })),
    );
    const parked = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    assert.equal(parked.length, 1, `exactly one copy parked; errors: ${refused.map((r) => String(r.reason)).join(' | ')}`);
    for (const result of refused) assert.ok(result.reason instanceof DuplicateBatchError, String(result.reason));
    assert.equal((await listBatches(store, { groupType: 'race' })).total, 1);
  });

  it('refuses what it cannot park with a clear reason', async () => {
    await assert.rejects(parkRequest(store, { payload: '', actor: 't' }, { groupType: 'g' }), /nothing to park: msg\.payload is an empty text/);
    await assert.rejects(parkRequest(store, { payload: 42, actor: 't' }, { groupType: 'g' }), /msg\.payload must be a file reference, an object, a string or a Buffer, not number/);
    await assert.rejects(parkRequest(store, { payload: { kind: 'file', fileName: 'a.csv' }, actor: 't' }, { groupType: 'g' }), /file reference without folder/);
    await assert.rejects(parkRequest(store, { payload: 'x', priority: 'high', actor: 't' }, { groupType: 'g' }), /priority must be a whole number/);
  });

  it('refuses a file reference it did not issue, such as one to /etc/passwd: nothing parked, read or moved', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-forged-')));
    const secret = path.join(root, 'passwd');
    fs.writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
    const before = (await listBatches(store)).total;
    const forged = { kind: 'file', fileName: 'passwd', folder: root, path: secret, sha256: 'a'.repeat(64), size: 32, receivedAt: 1 };
    await assert.rejects(parkRequest(store, { payload: forged, actor: 't' }, { groupType: 'g' }), (error: unknown) => {
      untrusted(error);
      assert.match((error as Error).message, /not issued by a file-persister of this runtime/);
      assert.doesNotMatch((error as Error).message, /root:x/);
      return true;
    });
    // A signature copied from a real reference does not carry over to another file.
    const real = fileReference();
    await assert.rejects(parkRequest(store, { payload: { ...real, folder: '/etc', fileName: 'passwd', path: '/etc/passwd' }, actor: 't' }, { groupType: 'g' }), untrusted);
    await assert.rejects(parkRequest(store, { payload: { ...real, sha256: 'b'.repeat(64) }, actor: 't' }, { groupType: 'g' }), untrusted);
    await assert.rejects(parkRequest(store, { payload: { ...real, duplicatesFolder: '/etc' }, actor: 't' }, { groupType: 'g' }), untrusted);
    await assert.rejects(parkRequest(store, { payload: { ...real, path: '/etc/passwd' }, actor: 't' }, { groupType: 'g' }), /its path "\/etc\/passwd" is not its folder and file name/);
    assert.equal((await listBatches(store)).total, before, 'nothing parked');
    assert.equal(fs.readFileSync(secret, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\n', 'the file stays where it was');
  });

  it('refuses a signed reference whose folder, symlinks followed, is not a registered batch folder', async () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-folders-')));
    const processing = batchFolder(path.join(root, 'processing'));
    const elsewhere = path.join(root, 'elsewhere');
    fs.mkdirSync(processing);
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'a.csv'), 'employeeNumber\nE1\n');
    await assert.rejects(parkRequest(store, { payload: fileReference({ folder: elsewhere, fileName: 'a.csv' }), actor: 't' }, { groupType: 'g' }), (error: unknown) => {
      untrusted(error);
      assert.match((error as Error).message, /its folder is not a batch folder of this runtime/);
      return true;
    });
    // A link named like a batch folder but leading elsewhere is judged by where it leads, and the other way round.
    const leadsOut = path.join(root, 'leads-out');
    fs.symlinkSync(elsewhere, leadsOut);
    await assert.rejects(parkRequest(store, { payload: fileReference({ folder: leadsOut, fileName: 'a.csv' }), actor: 't' }, { groupType: 'g' }), untrusted);
    const leadsIn = path.join(root, 'leads-in');
    fs.symlinkSync(processing, leadsIn);
    const parked = await parkRequest(store, { payload: fileReference({ folder: leadsIn, fileName: 'b.csv' }), actor: 't' }, { groupType: 'g' });
    assert.equal(parked.folder, leadsIn);
    // A folder whose node stopped is no longer one.
    const stopped = path.join(root, 'stopped');
    const unregister = registerBatchFolder(stopped);
    const issued = fileReference({ folder: stopped, fileName: 'c.csv' });
    unregister();
    await assert.rejects(parkRequest(store, { payload: issued, actor: 't' }, { groupType: 'g' }), untrusted);
    assert.equal(fs.existsSync(path.join(elsewhere, 'a.csv')), true);
  });
});
