import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '005-key-map-lock';

/**
 * `bsync_key_map_lock`: per group type, what decides creates and updates against that group type's key map
 * now (lib/store/key-map/take-key-map-lock.ts): a key-matched batch's run (`batch_id`) or the resend of one
 * error payload (`error_payload_id`), one of the two. One row per group type, made by the first that asks;
 * the holder holds it only while it is in flight under a live lease, so nothing ever has to release it.
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.keyMapLock, (t) => {
    t.string('group_type', 200).notNullable().primary();
    t.integer('batch_id').unsigned().nullable();
    t.integer('error_payload_id').unsigned().nullable();
    t.bigInteger('locked_at').nullable();
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.dropTableIfExists(tables.keyMapLock);
}
