import type { Knex } from 'knex';
import type { Store } from './open-store';

const MAX_ATTEMPTS = 5;

/**
 * A transaction that will write.
 * - SQLite: its first statement takes the write lock, as BEGIN IMMEDIATE would (knex only issues a
 *   deferred BEGIN), so a read-then-write transaction never fails half-way with SQLITE_BUSY because
 *   another runtime wrote in between; it waits for the lock instead.
 * - MySQL/MariaDB: READ COMMITTED, so claims lock the rows they take and no gaps between them; a
 *   transaction the server picks as a deadlock victim has been rolled back whole and is run again.
 */
export async function writeTransaction<T>(store: Store, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (store.dialect === 'sqlite') {
    return store.knex.transaction(async (trx) => {
      await trx(store.tables.control).whereNull('dispatcher').update({ updated_at: 0 });
      return work(trx);
    });
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await store.knex.transaction(work, { isolationLevel: 'read committed' });
    } catch (error) {
      if (!isDeadlock(error) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
    }
  }
}

function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** `FOR UPDATE` where the dialect has row locks; SQLite's write transaction already excludes other writers. */
export function forUpdate<Q extends Knex.QueryBuilder>(store: Store, query: Q): Q {
  return store.dialect === 'mysql' ? (query.forUpdate() as Q) : query;
}
