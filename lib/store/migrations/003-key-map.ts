import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '003-key-map';

/**
 * Matching records by the keys of both systems (DESIGN.md "Match records…", "Group child rows…"):
 * - `bsync_key_map`: per group type, a row's source key → the downstream's target key, with the hash of the
 *   body last delivered for it (unchanged content is skipped) and where that version came from;
 * - `skipped_rows` on a batch: rows not sent because their content was already delivered;
 * - `row_count` on an error payload: the rows a failed group holds (1 for a single row).
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.keyMap, (t) => {
    t.increments('id').primary();
    t.string('group_type', 200).notNullable();
    // JSON of the row's key column values, e.g. {"customerNo":"C-007"}, as read (never converted).
    t.string('source_key', 500).notNullable();
    // The downstream's id; null while the create answer named none (an update path without it cannot be filled).
    t.string('target_key', 500).nullable();
    t.string('content_hash', 64).notNullable();
    t.integer('batch_id').unsigned().notNullable();
    t.integer('row_number').unsigned().notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['group_type', 'source_key']);
  });
  await knex.schema.alterTable(tables.batch, (t) => {
    t.integer('skipped_rows').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable(tables.errorPayload, (t) => {
    t.integer('row_count').notNullable().defaultTo(1);
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.errorPayload, (t) => {
    t.dropColumn('row_count');
  });
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropColumn('skipped_rows');
  });
  await knex.schema.dropTableIfExists(tables.keyMap);
}
