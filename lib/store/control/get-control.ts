import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import type { ControlRow } from '../tables';
import { normalizeControl } from './normalize-control';

export async function findControl(store: Store, dispatcher: string): Promise<ControlRow | undefined> {
  const row = await store.knex(store.tables.control).where('dispatcher', dispatcher).first();
  return row ? normalizeControl(row) : undefined;
}

/** The throttle settings every runtime running this dispatcher follows. */
export async function getControl(store: Store, dispatcher: string): Promise<ControlRow> {
  const control = await findControl(store, dispatcher);
  if (!control) throw new NotFoundError('dispatcher', dispatcher);
  return control;
}
