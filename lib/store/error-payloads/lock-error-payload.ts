import type { Knex } from 'knex';
import { NotFoundError } from '../../errors';
import type { Store } from '../open-store';
import type { ErrorPayloadRow } from '../tables';
import { forUpdate } from '../transaction';
import { normalizeErrorPayload } from './normalize-error-payload';

/** Reads an error payload inside a write transaction, locked against other writers until it commits. */
export async function lockErrorPayload(store: Store, trx: Knex.Transaction, id: number): Promise<ErrorPayloadRow> {
  const row = await forUpdate(store, trx(store.tables.errorPayload).where('id', id)).first();
  if (!row) throw new NotFoundError('error payload', id);
  return normalizeErrorPayload(row);
}

export async function reloadErrorPayload(store: Store, trx: Knex.Transaction, id: number): Promise<ErrorPayloadRow> {
  return normalizeErrorPayload(await trx(store.tables.errorPayload).where('id', id).first());
}
