import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import { writeTransaction } from '../transaction';
import { holdLease, undoDetail, type CompensationRecord } from './undo-request';

/** A row's undo was accepted (or its record was already gone): a `compensated` event on the batch. */
export async function recordCompensated(store: Store, record: CompensationRecord): Promise<void> {
  const now = record.now ?? Date.now();
  await writeTransaction(store, async (trx) => {
    await holdLease(store, trx, record.batchId, record.owner);
    await recordEvents(store, trx, [
      {
        entity: 'batch',
        entityId: record.batchId,
        batchId: record.batchId,
        action: 'compensated',
        actor: record.owner,
        detail: { ...undoDetail(record.undo), httpStatus: record.httpStatus },
        at: now,
      },
    ]);
  });
}

