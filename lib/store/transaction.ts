import type { Knex } from 'knex';
import type { Store } from './open-store';

const MAX_ATTEMPTS = 5;

/**
 * A transaction that will write.
 * - SQLite: its first statement takes the write lock, as BEGIN IMMEDIATE would (knex only issues a
 *   deferred BEGIN), so a read-then-write transaction never fails half-way with SQLITE_BUSY because
 *   another runtime wrote in between; it waits for the lock instead.
 * - MySQL/MariaDB and PostgreSQL: READ COMMITTED, so claims lock the rows they take and no gaps between
 *   them; a transaction the server picks as a deadlock victim (or, on PostgreSQL, fails on a
 *   serialization conflict) has been rolled back whole and is run again.
 */
export async function writeTransaction<T>(store: Store, work: (trx: Knex.Transaction) => Promise<T>, options: WriteTransactionOptions = {}): Promise<T> {
  if (store.dialect === 'sqlite') {
    return store.knex.transaction(async (trx) => {
      if (!options.firstStatementWrites) await trx(store.tables.control).whereNull('dispatcher').update({ updated_at: 0 });
      return work(trx);
    });
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      // MySQL/MariaDB connections are READ COMMITTED for the session (open-store.ts): no SET before each one.
      return await (store.dialect === 'mysql' ? store.knex.transaction(work) : store.knex.transaction(work, { isolationLevel: 'read committed' }));
    } catch (error) {
      if (!isDeadlock(error) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt * 10 + Math.random() * 20));
    }
  }
}

export interface WriteTransactionOptions {
  /**
   * The work's first statement is a write (an UPDATE): on SQLite it takes the write lock itself, so the lock
   * is not taken by a statement of its own first. Only for work that reads nothing before that first write.
   */
  firstStatementWrites?: boolean;
}

/** MySQL's deadlock and lock wait timeout; PostgreSQL's serialization_failure (40001) and deadlock_detected (40P01). */
const RETRIED_CODES = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', '40001', '40P01']);

function isDeadlock(error: unknown): boolean {
  return RETRIED_CODES.has(String((error as { code?: string } | null)?.code));
}

/** True where the dialect has row locks (MySQL/MariaDB, PostgreSQL); SQLite's write transaction already excludes other writers. */
export function hasRowLocks(store: Store): boolean {
  return store.dialect !== 'sqlite';
}

/** `FOR UPDATE` where the dialect has row locks. */
export function forUpdate<Q extends Knex.QueryBuilder>(store: Store, query: Q): Q {
  return hasRowLocks(store) ? (query.forUpdate() as Q) : query;
}
