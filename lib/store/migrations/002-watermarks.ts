import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '002-watermarks';

/**
 * The watermarks of the table extracts, and the format of each batch file. Batches parked before this
 * migration were CSV, except the JSON Lines files a file-persister may already have handed in.
 */
export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.watermark, (t) => {
    t.string('extract', 200).primary();
    // JSON: the watermark columns in order, e.g. ["updated_at","id"].
    t.text('columns').notNullable();
    // JSON: the last values read, by column; null before the first extract and after a reset.
    t.text('value').nullable();
    t.integer('batch_id').unsigned().nullable();
    t.bigInteger('updated_at').notNullable();
    t.string('updated_by', 200).nullable();
  });
  await knex.schema.alterTable(tables.batch, (t) => {
    t.string('format', 10).notNullable().defaultTo('csv');
  });
  await knex(tables.batch)
    .where('kind', 'file')
    .andWhere((where) => where.whereRaw('lower(??) like ?', ['file_name', '%.jsonl']).orWhereRaw('lower(??) like ?', ['file_name', '%.ndjson']))
    .update({ format: 'jsonl' });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.alterTable(tables.batch, (t) => {
    t.dropColumn('format');
  });
  await knex.schema.dropTableIfExists(tables.watermark);
}
