import type { Knex } from 'knex';
import type { SourceClient } from '../source/source-config';

/**
 * Rows after a position in the order of `columns`, never OFFSET. PostgreSQL and SQLite compare row values,
 * (c1, c2) > (v1, v2), which their indexes serve as one range. MySQL/MariaDB and SQL Server get the same
 * condition as plain comparisons, c1 >= v1 AND (c1 > v1 OR (c1 = v1 AND c2 > v2)); the leading c1 >= v1
 * lets their optimizers use the index as a range too.
 */
export function whereAfter(query: Knex.QueryBuilder, columns: string[], values: unknown[], client: SourceClient): Knex.QueryBuilder {
  if (columns.length === 1) return query.where(columns[0], '>', values[0] as Knex.Value);
  if (client === 'pg' || client === 'sqlite') {
    const marks = columns.map(() => '??').join(', ');
    const places = columns.map(() => '?').join(', ');
    // ?? are identifiers, quoted by knex; the names were checked to be plain names before.
    return query.whereRaw(`(${marks}) > (${places})`, [...columns, ...values] as Knex.RawBinding[]);
  }
  return query.where(columns[0], '>=', values[0] as Knex.Value).andWhere((outer) => {
    for (let depth = 0; depth < columns.length; depth += 1) {
      outer.orWhere((branch) => {
        for (let index = 0; index < depth; index += 1) branch.where(columns[index], '=', values[index] as Knex.Value);
        branch.where(columns[depth], '>', values[depth] as Knex.Value);
      });
    }
  });
}
