import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '005-key-map-lock';

/**
 * `bsync_key_map_lock`: per group type, the key-matched batch whose run decides creates and updates against
 * that group type's key map (lib/store/key-map/take-key-map-lock.ts). One row per group type, made by the
 * first batch that asks; `batch_id` holds it only while that batch is in flight under a live lease, so no
 * run ever has to release it.
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.keyMapLock, (t) => {
    t.string('group_type', 200).notNullable().primary();
    t.integer('batch_id').unsigned().nullable();
    t.bigInteger('locked_at').nullable();
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.dropTableIfExists(tables.keyMapLock);
}
