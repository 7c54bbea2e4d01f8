import type { Knex } from 'knex';
import type { Store } from './open-store';

/** The auto-increment id of a one-row insert: SQLite and PostgreSQL answer it through RETURNING, MySQL as insertId. */
export async function insertedId(store: Store, insert: Knex.QueryBuilder): Promise<number> {
  const [result] = store.dialect === 'mysql' ? await insert : await insert.returning('id');
  return Number(typeof result === 'object' ? result.id : result);
}
