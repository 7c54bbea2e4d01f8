// A batch ready to process: folders, a CSV file of the reference scenario, a parked and claimed batch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimBatches, registerBatch, type BatchRow, type Store } from '../../lib/store';
import { DEFAULT_SETTINGS, type ProcessorSettings } from '../../lib/processing';

export const HEADER = 'employeeNumber,iban,bankIdentifier,branchIdentifier,accountNumber';

export interface Folders {
  root: string;
  processing: string;
  archive: string;
  failed: string;
}

export function makeFolders(): Folders {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-batch-'));
  const folders = { root, processing: path.join(root, 'processing'), archive: path.join(root, 'archive'), failed: path.join(root, 'failed') };
  for (const folder of [folders.processing, folders.archive, folders.failed]) fs.mkdirSync(folder, { recursive: true });
  return folders;
}

/** Row i of the reference scenario: employee 1000+i with a plausible German IBAN. */
export function employeeRow(i: number): string {
  return `${1000 + i},DE${String(10 + (i % 89)).padStart(2, '0')}370400440532${String(i).padStart(6, '0')},COBADEFF,${100 + (i % 7)},${String(532013000 + i)}`;
}

export function writeCsv(folders: Folders, fileName: string, lines: string[]): string {
  const file = path.join(folders.processing, fileName);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export async function parkAndClaim(store: Store, folders: Folders, fileName: string, owner = 'runtime-test', leaseMs = 60_000): Promise<BatchRow> {
  const batch = await registerBatch(store, {
    groupType: 'employee-bank-connections',
    // Its own group id, so the claim below takes this batch and no other parked one.
    groupId: fileName,
    kind: 'file',
    fileName,
    folder: folders.processing,
    sha256: 'f'.repeat(64),
    size: fs.statSync(path.join(folders.processing, fileName)).size,
    actor: 'test',
  });
  const [claimed] = await claimBatches(store, { owner, leaseMs, limit: 1, groupType: 'employee-bank-connections', groupId: fileName });
  if (!claimed || claimed.id !== batch.id) throw new Error(`could not claim batch ${batch.id}`);
  return claimed;
}

export function settingsFor(folders: Folders, overrides: Partial<ProcessorSettings> = {}): ProcessorSettings {
  return {
    ...DEFAULT_SETTINGS,
    request: { method: 'POST', pathTemplate: '/employees/{employeeNumber}/bank-connections' },
    folders: { archive: folders.archive, failed: folders.failed },
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    ...overrides,
  };
}
