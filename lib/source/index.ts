// Databases to read from (source-database): config, read-only pools, names, and values that survive.
export { SOURCE_CLIENTS, DEFAULT_PORTS, DEFAULT_POOL_MAX, DEFAULT_QUERY_TIMEOUT_MS, validateSourceConfig, describeSource, describeClient, type SourceClient, type SourceConfig, type SourceTls } from './source-config';
export { sourceKnexConfig } from './knex-config';
export { openSource, type Source } from './open-source';
export { SourceConnection, isSourceUnreachable, type SourceState, type SourceConnectionOptions } from './source-connection';
export { SourceUnavailableError, SourceQueryError } from './source-errors';
export { assertIdentifier, parseQualifiedName, parseColumnList, formatQualifiedName, type QualifiedName } from './identifiers';
export { lookupColumns, assertColumnsExist, kindOf, type ColumnInfo, type ColumnKind } from './column-kinds';
export { toJsonRow } from './row-values';
export { pgTimestampTz, localTimestamp, mysqlTimestamp } from './driver-types';
