import type { Knex } from 'knex';
import type { Store } from './open-store';

/** The auto-increment id of a one-row insert: SQLite answers it through RETURNING, MySQL as insertId. */
export async function insertedId(store: Store, insert: Knex.QueryBuilder): Promise<number> {
  const [result] = store.dialect === 'sqlite' ? await insert.returning('id') : await insert;
  return Number(typeof result === 'object' ? result.id : result);
}
