import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { ControlRow, EventAction } from '../tables';
import { forUpdate, writeTransaction } from '../transaction';
import { normalizeControl } from './normalize-control';

type ControlChange = Partial<Pick<ControlRow, 'fetch_size' | 'max_in_flight' | 'paused'>>;

/**
 * Applies an admin's change to a control row and records it, before and after, in the same transaction:
 * the setting and its audit record never disagree.
 */
export async function changeControl(
  store: Store,
  dispatcher: string,
  action: Extract<EventAction, 'pause' | 'resume' | 'throttle'>,
  change: (before: ControlRow) => ControlChange,
  actor: string,
  now: number,
): Promise<ControlRow> {
  return writeTransaction(store, async (trx) => {
    const row = await forUpdate(store, trx(store.tables.control).where('dispatcher', dispatcher)).first();
    if (!row) throw new NotFoundError('dispatcher', dispatcher);
    const before = normalizeControl(row);
    const patch = change(before);
    await trx(store.tables.control)
      .where('dispatcher', dispatcher)
      .update({ ...patch, updated_by: actor, updated_at: now });
    const after = normalizeControl(await trx(store.tables.control).where('dispatcher', dispatcher).first());
    const keys = Object.keys(patch) as (keyof ControlChange)[];
    await recordEvents(store, trx, [
      {
        entity: 'control',
        entityId: dispatcher,
        action,
        actor,
        detail: {
          before: Object.fromEntries(keys.map((key) => [key, before[key]])),
          after: Object.fromEntries(keys.map((key) => [key, after[key]])),
        },
        at: now,
      },
    ]);
    return after;
  });
}
