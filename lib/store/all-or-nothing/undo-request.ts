import type { Knex } from 'knex';
import { LeaseLostError } from '../batches/change-batch-status';
import type { Store } from '../open-store';
import { forUpdate } from '../transaction';

/** The undo request of one applied row, as sent (or as it would have been sent). */
export interface UndoRequest {
  rowNumber: number;
  /** The downstream's id of the record the row created; null when its answer named none. */
  targetKey: string | null;
  method: string;
  /** Null when no path could be filled (no target key): the row cannot be undone by a request. */
  path: string | null;
  idempotencyKey: string;
}

export interface CompensationRecord {
  batchId: number;
  groupType: string;
  groupId: string | null;
  /** The lease owner: only the runtime holding the batch undoes its rows. */
  owner: string;
  undo: UndoRequest;
  /** The answer's status when there was one. */
  httpStatus: number | null;
  now?: number;
}

export interface CompensationFailure extends CompensationRecord {
  error: string;
  errorDetail: string | null;
}

export function undoDetail(undo: UndoRequest): Record<string, unknown> {
  return { rowNumber: undo.rowNumber, targetKey: undo.targetKey, method: undo.method, path: undo.path, idempotencyKey: undo.idempotencyKey };
}

export async function holdLease(store: Store, trx: Knex.Transaction, batchId: number, owner: string): Promise<void> {
  const [batch] = (await forUpdate(store, trx(store.tables.batch).select('lease_owner', 'status').where('id', batchId))) as { lease_owner: string | null; status: string }[];
  if (!batch || batch.lease_owner !== owner || !['SUBMITTED', 'PROCESSING'].includes(batch.status)) {
    throw new LeaseLostError(batchId, owner, batch?.lease_owner ?? null);
  }
}
