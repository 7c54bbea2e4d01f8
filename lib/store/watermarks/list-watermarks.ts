import type { Store } from '../open-store';
import type { WatermarkRow } from '../tables';
import { normalizeWatermark } from './normalize-watermark';

/** Every extract's watermark, by name: what the admin sees (and may reset). */
export async function listWatermarks(store: Store): Promise<WatermarkRow[]> {
  const rows = await store.knex(store.tables.watermark).select('*').orderBy('extract', 'asc');
  return rows.map(normalizeWatermark);
}
