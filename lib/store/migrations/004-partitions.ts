import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '004-partitions';

/**
 * Partitions of a large file batch (docs/architecture.md "Partitions"): a partition is a batch row of its
 * own over a row range of its parent's file, claimed, leased and checkpointed like any batch, so several
 * runtimes share one large file. The parent holds the whole batch's counters and error payloads.
 * - `partition_of`: the parent batch of a partition; null for every other batch;
 * - `first_row`, `last_row`: the partition's rows of the parent's file (inclusive);
 * - `partition_count`: on a parent, how many partitions its file was split into (0: not partitioned);
 * - `first_row_byte`, `lines_before`: where a CSV partition's first row starts in the file (byte offset, lines
 *   before it), so it reads from there instead of parsing every row before it; null when not known (another
 *   encoding than UTF-8, JSON Lines, the first partition).
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.batch, (t) => {
    t.integer('partition_of').unsigned().nullable();
    t.integer('first_row').nullable();
    t.integer('last_row').nullable();
    t.integer('partition_count').notNullable().defaultTo(0);
    t.bigInteger('first_row_byte').nullable();
    t.integer('lines_before').nullable();
    t.index(['partition_of'], `${tables.batch}_partition_of`);
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropIndex(['partition_of'], `${tables.batch}_partition_of`);
  });
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropColumn('lines_before');
    t.dropColumn('first_row_byte');
    t.dropColumn('partition_count');
    t.dropColumn('last_row');
    t.dropColumn('first_row');
    t.dropColumn('partition_of');
  });
}
