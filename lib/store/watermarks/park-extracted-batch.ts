import { registerBatch, type NewBatch } from '../batches/register-batch';
import { normalizeBatch } from '../batches/normalize-batch';
import type { Store } from '../open-store';
import type { BatchFileFormat, BatchRow } from '../tables';
import { writeTransaction } from '../transaction';
import { advanceWatermark, type WatermarkAdvance } from './advance-watermark';

export interface ExtractedBatch {
  batch: NewBatch & { kind: 'file' };
  format: BatchFileFormat;
  /** Absent for a full extract, which has no watermark to move. */
  watermark?: Omit<WatermarkAdvance, 'batchId' | 'actor' | 'now'>;
}

/**
 * Parks the batch file of an extract and moves its watermark in one transaction: a crash before the commit
 * leaves the old watermark and no batch (the next run reads the same rows again); after it, both.
 */
export async function parkExtractedBatch(store: Store, extracted: ExtractedBatch): Promise<BatchRow & { format: BatchFileFormat }> {
  const now = extracted.batch.now ?? Date.now();
  return writeTransaction(store, async (trx) => {
    // registerBatch's own transaction becomes a savepoint of this one: the batch, its event and the
    // watermark commit together or not at all.
    const inTransaction: Store = { ...store, knex: trx };
    const batch = await registerBatch(inTransaction, { ...extracted.batch, now });
    await trx(store.tables.batch).where('id', batch.id).update({ format: extracted.format });
    if (extracted.watermark) {
      await advanceWatermark(store, trx, { ...extracted.watermark, batchId: batch.id, actor: extracted.batch.actor, now });
    }
    const row = await trx(store.tables.batch).where('id', batch.id).first();
    return { ...normalizeBatch(row), format: row.format as BatchFileFormat };
  });
}
