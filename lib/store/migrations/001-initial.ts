import type { Knex } from 'knex';
import type { TableNames } from '../tables';

export const name = '001-initial';

export async function up(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.createTable(tables.batch, (t) => {
    t.increments('id').primary();
    t.string('group_type', 100).notNullable();
    t.string('group_id', 100).nullable();
    t.string('kind', 10).notNullable();
    t.string('file_name', 255).nullable();
    t.string('folder', 1024).nullable();
    t.string('sha256', 64).nullable();
    t.bigInteger('size').nullable();
    t.text('payload', 'longtext').nullable();
    t.string('content_type', 100).nullable();
    t.string('status', 20).notNullable();
    t.bigInteger('status_time').notNullable();
    t.bigInteger('parked_until').notNullable();
    t.integer('priority').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('total_rows').nullable();
    t.integer('processed_rows').notNullable().defaultTo(0);
    t.integer('succeeded_rows').notNullable().defaultTo(0);
    t.integer('failed_rows').notNullable().defaultTo(0);
    t.integer('checkpoint_row').notNullable().defaultTo(0);
    t.string('lease_owner', 200).nullable();
    t.bigInteger('lease_until').nullable();
    t.string('error_file', 1024).nullable();
    t.integer('parent_batch_id').unsigned().nullable();
    // The JSON Schema the rows were checked with, so a correction is checked against the same rules.
    t.text('row_schema', 'longtext').nullable();
    t.text('error').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('started_at').nullable();
    t.bigInteger('finished_at').nullable();
    // The dispatcher's claim: status and parking time first, then its order.
    t.index(['status', 'parked_until', 'priority', 'id'], `${tables.batch}_claim`);
    t.index(['group_type', 'group_id', 'status'], `${tables.batch}_group`);
    t.index(['status', 'lease_until'], `${tables.batch}_lease`);
    t.index(['group_type', 'sha256'], `${tables.batch}_sha256`);
    t.index(['parent_batch_id'], `${tables.batch}_parent`);
  });

  await knex.schema.createTable(tables.errorPayload, (t) => {
    t.increments('id').primary();
    t.integer('batch_id').unsigned().notNullable();
    t.integer('row_number').notNullable();
    t.string('group_type', 100).notNullable();
    t.string('group_id', 100).nullable();
    t.text('payload', 'longtext').nullable();
    t.text('original_payload', 'longtext').nullable();
    t.string('idempotency_key', 200).notNullable();
    t.string('status', 20).notNullable();
    t.string('error_kind', 20).notNullable();
    t.integer('http_status').nullable();
    t.text('error').nullable();
    t.text('error_detail', 'longtext').nullable();
    t.integer('attempts').notNullable().defaultTo(1);
    t.string('lease_owner', 200).nullable();
    t.bigInteger('lease_until').nullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('status_time').notNullable();
    t.bigInteger('resolved_at').nullable();
    // One error payload per row of a batch: a window written twice after a crash cannot double it.
    t.unique(['batch_id', 'row_number'], { indexName: `${tables.errorPayload}_row` });
    t.index(['status', 'group_type', 'group_id', 'id'], `${tables.errorPayload}_claim`);
    t.index(['idempotency_key'], `${tables.errorPayload}_key`);
  });

  await knex.schema.createTable(tables.event, (t) => {
    t.increments('id').primary();
    t.string('entity', 20).notNullable();
    t.string('entity_id', 200).notNullable();
    t.integer('batch_id').unsigned().nullable();
    t.string('action', 50).notNullable();
    t.string('from_status', 20).nullable();
    t.string('to_status', 20).nullable();
    t.string('actor', 200).notNullable();
    t.text('detail', 'longtext').nullable();
    t.bigInteger('created_at').notNullable();
    t.index(['entity', 'entity_id'], `${tables.event}_entity`);
    t.index(['batch_id'], `${tables.event}_batch`);
  });

  await knex.schema.createTable(tables.control, (t) => {
    t.string('dispatcher', 200).primary();
    t.integer('fetch_size').notNullable();
    t.integer('max_in_flight').notNullable();
    t.boolean('paused').notNullable().defaultTo(false);
    t.string('updated_by', 200).nullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex, tables: TableNames): Promise<void> {
  await knex.schema.dropTableIfExists(tables.control);
  await knex.schema.dropTableIfExists(tables.event);
  await knex.schema.dropTableIfExists(tables.errorPayload);
  await knex.schema.dropTableIfExists(tables.batch);
}
