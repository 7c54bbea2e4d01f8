// A batch file delivered for real (parked with its true sha256, processed against a loopback API, archived)
// and the key map rows key matching would have written for its rows (inserted here with knex: the
// row-processor's key matching is built elsewhere).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ApiClient } from '../../../lib/delivery';
import { hashFile } from '../../../lib/files/hash-file';
import { processBatch, type ProcessorSettings } from '../../../lib/processing';
import { claimBatches, getBatch, registerBatch, type BatchRow, type Store } from '../../../lib/store';
import type { Folders } from '../../support/batch-fixture';
import type { TestHttpServer } from '../../support/http-server';

export const OWNER = 'runtime-test';

/** Parks the file in the processing folder as a batch of its own group id, claims it and processes it. */
export async function deliverFile(store: Store, client: ApiClient, folders: Folders, settings: ProcessorSettings, groupType: string, fileName: string, content: string | Buffer): Promise<BatchRow> {
  const filePath = path.join(folders.processing, fileName);
  fs.writeFileSync(filePath, content);
  const { sha256, size } = await hashFile(filePath);
  const parked = await registerBatch(store, { groupType, groupId: fileName, kind: 'file', fileName, folder: folders.processing, sha256, size, actor: 'test' });
  return processParked(store, client, settings, parked);
}

/** Claims this parked batch (by its group) and processes it to its end. */
export async function processParked(store: Store, client: ApiClient, settings: ProcessorSettings, parked: BatchRow): Promise<BatchRow> {
  const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType: parked.group_type, groupId: parked.group_id ?? undefined });
  assert.equal(claimed?.id, parked.id, `batch ${parked.id} is claimed`);
  const summary = await processBatch({ store, client, owner: OWNER, signal: new AbortController().signal }, claimed, settings);
  assert.equal(summary.status, 'PROCESSED', `batch ${parked.id}: ${summary.error ?? ''}`);
  return getBatch(store, parked.id);
}

/** What key matching writes for a delivered row: its source key (JSON of the key columns, as read) and where it came from. */
export async function mapKey(store: Store, groupType: string, sourceKey: Record<string, unknown>, batchId: number, rowNumber: number): Promise<void> {
  const now = Date.now();
  const row = { group_type: groupType, source_key: JSON.stringify(sourceKey), target_key: `t-${rowNumber}`, content_hash: 'a'.repeat(64), batch_id: batchId, row_number: rowNumber, updated_at: now };
  const updated = await store.knex(store.tables.keyMap).where({ group_type: groupType, source_key: row.source_key }).update(row);
  if (Number(updated) === 0) await store.knex(store.tables.keyMap).insert({ ...row, created_at: now });
}

/** Request bodies by Idempotency-Key, of the requests the server received since `from`. */
export function bodiesByKey(server: TestHttpServer, from = 0): Map<string, string> {
  return new Map(server.requests.slice(from).map((request) => [String(request.headers['idempotency-key']), request.body]));
}
