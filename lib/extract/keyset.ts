import type { Knex } from 'knex';

/**
 * Rows after a position in the order of `columns`: (c1, c2) > (v1, v2) written as plain comparisons,
 * c1 > v1 OR (c1 = v1 AND c2 > v2), which every dialect has and indexes serve. Never OFFSET.
 */
export function whereAfter(query: Knex.QueryBuilder, columns: string[], values: unknown[]): Knex.QueryBuilder {
  return query.where((outer) => {
    for (let depth = 0; depth < columns.length; depth += 1) {
      outer.orWhere((branch) => {
        for (let index = 0; index < depth; index += 1) branch.where(columns[index], '=', values[index] as Knex.Value);
        branch.where(columns[depth], '>', values[depth] as Knex.Value);
      });
    }
  });
}
