import type { Store } from '../open-store';
import type { ControlRow } from '../tables';
import { normalizeControl } from './normalize-control';

/** Every dispatcher's throttle settings in this store, by name: the dispatchers any runtime has run on it. */
export async function listControls(store: Store): Promise<ControlRow[]> {
  const rows = (await store.knex(store.tables.control).whereNotNull('dispatcher').orderBy('dispatcher').limit(1000)) as Record<string, unknown>[];
  return rows.map(normalizeControl);
}
