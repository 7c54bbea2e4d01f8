import type { Store } from '../open-store';

export interface RowTotals {
  processed: number;
  succeeded: number;
  failed: number;
}

/** The row counters of every batch in the store, added up: what the store has sent, in its latest runs. */
export async function sumBatchRows(store: Store): Promise<RowTotals> {
  const [row] = (await store
    .knex(store.tables.batch)
    // A partition's rows are counted in its batch too.
    .whereNull('partition_of')
    .sum({ processed: 'processed_rows', succeeded: 'succeeded_rows', failed: 'failed_rows' })) as Record<string, number | string | null>[];
  return { processed: Number(row?.processed ?? 0), succeeded: Number(row?.succeeded ?? 0), failed: Number(row?.failed ?? 0) };
}
