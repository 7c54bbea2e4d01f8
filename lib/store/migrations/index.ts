import type { Knex } from 'knex';
import type { TableNames } from '../tables';
import * as initial from './001-initial';
import * as watermarks from './002-watermarks';
import * as keyMap from './003-key-map';
import * as partitions from './004-partitions';
import * as keyMapLock from './005-key-map-lock';

interface Migration {
  name: string;
  up(knex: Knex, tables: TableNames): Promise<void>;
  down(knex: Knex, tables: TableNames): Promise<void>;
}

/** Every schema change, in order. Add a file and list it here; never change one that has shipped. */
const migrations: Migration[] = [initial, watermarks, keyMap, partitions, keyMapLock];

/** A knex migration source bound to one table prefix, so two prefixes can share one database. */
export function migrationSource(tables: TableNames): Knex.MigrationSource<Migration> {
  return {
    getMigrations: async () => migrations,
    getMigrationName: (migration) => migration.name,
    getMigration: async (migration) => ({
      up: (knex: Knex) => migration.up(knex, tables),
      down: (knex: Knex) => migration.down(knex, tables),
    }),
  };
}
