/**
 * The largest id the tables hold: their `id` columns are 32-bit integers (knex `increments`) on SQLite,
 * MySQL/MariaDB and PostgreSQL alike.
 */
export const MAX_STORED_ID = 2_147_483_647;
