import type { Knex } from 'knex';
import type { Store } from './open-store';

/**
 * The store seen from inside a transaction: store operations called with it read and write through the
 * transaction (their own transactions become savepoints), so checks and writes commit or roll back together.
 */
export function storeInTransaction(store: Store, trx: Knex.Transaction): Store {
  return {
    knex: trx,
    tables: store.tables,
    dialect: store.dialect,
    close: async () => {
      throw new Error('a store bound to a transaction is closed by its owner, not by its users');
    },
  };
}
