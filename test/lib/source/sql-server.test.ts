// No SQL Server here: what can be checked without one is the knex config given to tedious and the SQL built.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import knexFactory from 'knex';
import { InvalidRequestError } from '../../../lib/errors';
import { whereAfter, bindingValue } from '../../../lib/extract';
import { describeSource, sourceKnexConfig, validateSourceConfig } from '../../../lib/source';

describe('SQL Server source', () => {
  it('gives tedious the server, credentials, TLS, timeout and read-only intent', () => {
    const config = sourceKnexConfig({ client: 'mssql', host: 'sql.example', database: 'erp', user: 'reader', password: 's3cret', queryTimeoutMs: 5000, poolMax: 3, tls: { ca: 'CA', rejectUnauthorized: true } });
    assert.equal(config.client, 'mssql');
    const connection = config.connection as Record<string, unknown> & { options: Record<string, unknown> };
    assert.equal(connection.server, 'sql.example');
    assert.equal(connection.port, 1433);
    assert.equal(connection.requestTimeout, 5000);
    assert.equal(connection.options.encrypt, true);
    assert.equal(connection.options.trustServerCertificate, false);
    assert.equal(connection.options.readOnlyIntent, true);
    assert.deepEqual((config.pool as { max: number }).max, 3);
    assert.equal(describeSource({ client: 'mssql', host: 'sql.example', database: 'erp', user: 'reader', password: 's3cret' }), 'SQL Server reader@sql.example:1433/erp');
  });

  it('quotes schema, table and columns in brackets and pages by keyset, never OFFSET', () => {
    const knex = knexFactory({ client: 'mssql' });
    const query = knex.select(['id', 'updated_at']).from('customers').withSchema('sales');
    whereAfter(query, ['updated_at', 'id'], [bindingValue('mssql', '2026-11-30T10:00:00.25Z'), 7], 'mssql');
    query.orderBy('updated_at').orderBy('id').limit(1000);
    const { sql, bindings } = query.toSQL().toNative();
    assert.match(sql, /from \[sales\]\.\[customers\]/);
    assert.match(sql, /\[updated_at\] >= @p\d and \(\(\[updated_at\] > @p\d\) or \(\[updated_at\] = @p\d and \[id\] > @p\d\)\)/);
    assert.doesNotMatch(sql, /offset/i);
    // top (@p0) comes first; the watermark time without the Z, as datetime2 takes it.
    assert.deepEqual(bindings, [1000, '2026-11-30T10:00:00.25', '2026-11-30T10:00:00.25', '2026-11-30T10:00:00.25', 7]);
  });

  it('refuses a config that cannot work, in plain words', () => {
    assert.throws(() => validateSourceConfig({ client: 'mssql', host: '', database: 'erp', user: 'u' }), (error: unknown) => error instanceof InvalidRequestError && /needs a host/.test(error.message));
    assert.throws(() => validateSourceConfig({ client: 'pg', host: 'h', database: 'd', user: '' }), /needs a user/);
    assert.throws(() => validateSourceConfig({ client: 'sqlite', filename: 'x', poolMax: 0 }), /pool size/);
  });
});
