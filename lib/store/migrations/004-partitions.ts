import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '004-partitions';

/**
 * Partitions of a large file batch (docs/architecture.md "Partitions"): a partition is a batch row of its
 * own over a row range of its parent's file, claimed, leased and checkpointed like any batch, so several
 * runtimes share one large file. The parent holds the whole batch's counters and error payloads.
 * - `partition_of`: the parent batch of a partition; null for every other batch;
 * - `first_row`, `last_row`: the partition's rows of the parent's file (inclusive);
 * - `partition_count`: on a parent, how many partitions its file was split into (0: not partitioned).
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.batch, (t) => {
    t.integer('partition_of').unsigned().nullable();
    t.integer('first_row').nullable();
    t.integer('last_row').nullable();
    t.integer('partition_count').notNullable().defaultTo(0);
    t.index(['partition_of'], `${tables.batch}_partition_of`);
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropIndex(['partition_of'], `${tables.batch}_partition_of`);
  });
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropColumn('partition_count');
    t.dropColumn('last_row');
    t.dropColumn('first_row');
    t.dropColumn('partition_of');
  });
}
