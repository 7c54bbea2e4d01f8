import type { Knex } from 'knex';
import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import { MAX_WATERMARK_JSON, WatermarkMovedError } from './watermark-errors';

export interface WatermarkAdvance {
  extract: string;
  columns: string[];
  /** The value this run started from (null: none); the write is refused if it is no longer the stored one. */
  from: Record<string, unknown> | null;
  to: Record<string, unknown>;
  batchId: number;
  actor: string;
  now: number;
}

/**
 * Moves a watermark, inside the transaction that parks the batch it advances by, and only from the value
 * the run started from: two runs of one extract never both park the same rows.
 */
export async function advanceWatermark(store: Store, trx: Knex.Transaction, advance: WatermarkAdvance): Promise<void> {
  const table = store.tables.watermark;
  const columns = JSON.stringify(advance.columns);
  const value = JSON.stringify(advance.to);
  if (value.length > MAX_WATERMARK_JSON) {
    throw new InvalidRequestError(`the watermark of extract "${advance.extract}" would be ${value.length} characters long (at most ${MAX_WATERMARK_JSON}): choose shorter watermark columns`);
  }
  const patch = { columns, value, batch_id: advance.batchId, updated_at: advance.now, updated_by: advance.actor };
  const existing = trx(table).where('extract', advance.extract);
  if (advance.from === null) existing.whereNull('value');
  else existing.where('value', JSON.stringify(advance.from));
  const changed = Number(await existing.update(patch));
  if (changed === 1) return;
  const stored = await trx(table).where('extract', advance.extract).first();
  if (stored || advance.from !== null) throw new WatermarkMovedError(advance.extract);
  // A concurrent first run inserts the same key: the unique key refuses one of the two.
  await trx(table).insert({ extract: advance.extract, ...patch });
}
