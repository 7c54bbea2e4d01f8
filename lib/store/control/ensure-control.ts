import type { Store } from '../open-store';
import type { ControlRow } from '../tables';
import { getControl } from './get-control';
import { assertDispatcherKey, assertPositiveInteger } from './validate-control';

export interface ControlDefaults {
  fetchSize: number;
  maxInFlight: number;
}

/**
 * Creates the dispatcher's control row with the node's configured values when it has none, and keeps an
 * existing row as it is: an admin's runtime change must survive a redeploy, and every runtime deploying
 * the same flow must not reset what the others follow.
 */
export async function ensureControl(store: Store, dispatcher: string, defaults: ControlDefaults, now: number = Date.now()): Promise<ControlRow> {
  assertDispatcherKey(dispatcher);
  const fetchSize = assertPositiveInteger('fetch size', defaults.fetchSize);
  const maxInFlight = assertPositiveInteger('max in flight', defaults.maxInFlight);
  await store
    .knex(store.tables.control)
    .insert({ dispatcher, fetch_size: fetchSize, max_in_flight: maxInFlight, paused: false, updated_by: null, updated_at: now })
    .onConflict('dispatcher')
    .ignore();
  return getControl(store, dispatcher);
}
