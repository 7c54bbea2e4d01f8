import type { Knex } from 'knex';
import type { Store } from '../open-store';
import type { WatermarkRow } from '../tables';
import { normalizeWatermark } from './normalize-watermark';

/** The watermark of one extract, if it has run (or been reset) before; inside a transaction when given. */
export async function findWatermark(store: Store, extract: string, trx?: Knex.Transaction): Promise<WatermarkRow | undefined> {
  const row = await (trx ?? store.knex)(store.tables.watermark).where('extract', extract).first();
  return row ? normalizeWatermark(row) : undefined;
}
