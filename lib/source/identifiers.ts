import { SourceQueryError } from './source-errors';

/**
 * A name that knex quotes and nothing else: letters, digits, _ and $, not starting with a digit. Anything
 * else (spaces, quotes, dots inside a part, "as", comments) is refused before any SQL is built, so a name
 * from a config or a message can never become SQL.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

export interface QualifiedName {
  schema?: string;
  name: string;
}

export function assertIdentifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
    throw new SourceQueryError(
      `${what} ${JSON.stringify(value)} is not a plain name: use letters, digits, _ and $ (not first), at most 63 characters`,
    );
  }
  return value;
}

/** "customers" or "sales.customers" (schema-qualified; on MySQL the schema is the database). */
export function parseQualifiedName(value: unknown, what = 'the table name'): QualifiedName {
  if (typeof value !== 'string' || value.length === 0) throw new SourceQueryError(`${what} is missing`);
  const parts = value.split('.');
  if (parts.length > 2) throw new SourceQueryError(`${what} ${JSON.stringify(value)} has more than one dot: give schema.table or table`);
  if (parts.length === 2) return { schema: assertIdentifier(parts[0], `the schema of ${what}`), name: assertIdentifier(parts[1], what) };
  return { name: assertIdentifier(parts[0], what) };
}

export function formatQualifiedName(name: QualifiedName): string {
  return name.schema ? `${name.schema}.${name.name}` : name.name;
}

/** A list of column names, each a plain name, none twice. */
export function parseColumnList(value: unknown, what: string): string[] {
  const list = typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter((part) => part !== '') : value;
  if (!Array.isArray(list)) throw new SourceQueryError(`${what} must be a list of column names`);
  const columns = list.map((column) => assertIdentifier(column, `the column name in ${what}`));
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) throw new SourceQueryError(`${what} names the column ${column} twice`);
    seen.add(column);
  }
  return columns;
}
