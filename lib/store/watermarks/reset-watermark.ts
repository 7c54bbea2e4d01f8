import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { WatermarkRow } from '../tables';
import { writeTransaction } from '../transaction';
import { normalizeWatermark } from './normalize-watermark';

export interface WatermarkReset {
  extract: string;
  actor: string;
  reason?: string;
  now?: number;
}

/**
 * Forgets what an extract has read, so its next run reads every row again; the old value goes to the audit
 * trail with who asked, so it can be put back by hand.
 */
export async function resetWatermark(store: Store, reset: WatermarkReset): Promise<WatermarkRow> {
  const now = reset.now ?? Date.now();
  const table = store.tables.watermark;
  return writeTransaction(store, async (trx) => {
    const before = await trx(table).where('extract', reset.extract).first();
    if (!before) throw new NotFoundError('watermark of extract', reset.extract);
    const old = normalizeWatermark(before);
    await trx(table).where('extract', reset.extract).update({ value: null, batch_id: null, updated_at: now, updated_by: reset.actor });
    await recordEvents(store, trx, [
      {
        entity: 'watermark',
        entityId: reset.extract,
        action: 'watermark-reset',
        actor: reset.actor,
        detail: { columns: old.columns, before: old.value, beforeBatchId: old.batch_id, after: null, ...(reset.reason ? { reason: reset.reason } : {}) },
        at: now,
      },
    ]);
    return normalizeWatermark(await trx(table).where('extract', reset.extract).first());
  });
}
