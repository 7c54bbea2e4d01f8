import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '005-key-map-lock';

/**
 * `bsync_key_map_lock`: per group type, what decides creates and updates against that group type's key map
 * now (lib/store/key-map/take-key-map-lock.ts): a key-matched batch's run (`batch_id`) or the resend of one
 * error payload (`error_payload_id`), one of the two. One row per group type, made by the first that asks;
 * the holder holds it only while it is in flight under a live lease, so nothing ever has to release it.
 * - `origin_batch_id` on `bsync_key_map`: the batch whose version of the record was delivered last (a
 *   replay's origin batch, whose rows it sends again), so a batch never sends its versions over those of a
 *   batch parked after it; null for mappings written before.
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.keyMapLock, (t) => {
    t.string('group_type', 200).notNullable().primary();
    t.integer('batch_id').unsigned().nullable();
    t.integer('error_payload_id').unsigned().nullable();
    t.bigInteger('locked_at').nullable();
  });
  await knex.schema.alterTable(tables.keyMap, (t) => {
    t.integer('origin_batch_id').unsigned().nullable();
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.keyMap, (t) => {
    t.dropColumn('origin_batch_id');
  });
  await knex.schema.dropTableIfExists(tables.keyMapLock);
}
