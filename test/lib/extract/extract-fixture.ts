// A customers table in a source database, a batch store, a processing folder: what an extract test needs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseExtractSettings, type ExtractSettings, type ExtractSettingsInput } from '../../../lib/extract';
import { readJsonlRows } from '../../../lib/jsonl';
import type { BatchRow, Store } from '../../../lib/store';
import type { TestSource } from '../../support/sources';

export interface Customer {
  id: number;
  name: string;
  updated_at: string;
}

export async function createCustomers(source: TestSource): Promise<void> {
  await source.writer.schema.createTable('customers', (t) => {
    t.integer('id').primary();
    t.string('name', 100).notNullable();
    t.timestamp('updated_at', { useTz: true, precision: 6 }).notNullable();
  });
}

export async function putCustomers(source: TestSource, rows: Customer[]): Promise<void> {
  for (const row of rows) {
    const values = { ...row, updated_at: source.time(row.updated_at) };
    await source.writer('customers').insert(values).onConflict('id').merge(['name', 'updated_at']);
  }
}

export function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-extract-'));
}

export function settings(folder: string, overrides: ExtractSettingsInput = {}): ExtractSettings {
  return parseExtractSettings({
    name: 'customers-to-crm',
    table: 'customers',
    keyColumns: ['updated_at', 'id'],
    groupType: 'customers',
    groupId: 'crm',
    folder,
    pageSize: 2,
    ...overrides,
  });
}

/** The rows of a parked batch's file, read back the way row-processor will read them. */
export async function batchRecords(batch: Pick<BatchRow, 'folder' | 'file_name'>): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  for await (const row of readJsonlRows(path.join(batch.folder!, batch.file_name!))) {
    if (row.error !== undefined) throw new Error(`row ${row.rowNumber}: ${row.error}`);
    records.push(row.record);
  }
  return records;
}

export async function countBatchRows(store: Store): Promise<number> {
  const [{ count }] = await store.knex(store.tables.batch).count({ count: '*' });
  return Number(count);
}

/** Files in the folder (batch files and leftovers), sorted. */
export function filesIn(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
}
