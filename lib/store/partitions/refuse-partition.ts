import type { Knex } from 'knex';
import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';

/**
 * An admin's retry or cancel names a batch, not a part of one: a partition is retried with its batch (which
 * parks every partition again) and cannot be cancelled on its own, which would leave its batch unfinished.
 */
export async function refusePartition(store: Store, trx: Knex.Transaction, id: number, action: 'retried' | 'cancelled'): Promise<void> {
  const row = (await trx(store.tables.batch).where('id', id).first('partition_of')) as { partition_of: number | null } | undefined;
  if (row?.partition_of !== null && row?.partition_of !== undefined) {
    const parent = Number(row.partition_of);
    throw new InvalidRequestError(`batch ${id} is a partition of batch ${parent}: it cannot be ${action} on its own${action === 'retried' ? `; retry batch ${parent}` : ''}`, { batchId: id });
  }
}
