// No SQL Server here: what can be checked without one is the config tedious gets (tedious checks it when a
// Connection is made, without connecting), the SQL knex's mssql client builds, and how the server's text
// is turned into the values every other database gives.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import knexFactory, { type Knex } from 'knex';
import { Connection } from 'tedious';
import { InvalidRequestError } from '../../../lib/errors';
import { bindingValue, buildPageQuery, parseExtractSettings, whereAfter, type PageRequest } from '../../../lib/extract';
import { describeSource, kindOf, sourceKnexConfig, SourceQueryError, toJsonRow, validateSourceConfig, type ColumnInfo, type SourceConfig } from '../../../lib/source';

/** The config knex's mssql client hands to tedious for a source, and tedious' own reading of it. */
function tediousConfig(config: SourceConfig): { generated: Record<string, any>; connection: { config: Record<string, any> } } {
  const knex = knexFactory(sourceKnexConfig(config));
  const generated = (knex.client as unknown as { _generateConnection(): Record<string, any> })._generateConnection();
  // tedious validates every option here and only connects on connect().
  const connection = new Connection(generated as never) as unknown as { config: Record<string, any> };
  void knex.destroy();
  return { generated, connection };
}

const SERVER: SourceConfig = { client: 'mssql', host: 'sql.example', database: 'erp', user: 'reader', password: 's3cret', queryTimeoutMs: 5000, poolMax: 3 };

describe('SQL Server source (built, not run against a server here)', () => {
  const knex: Knex = knexFactory({ client: 'mssql' });
  after(() => knex.destroy());

  it('gives tedious the server, credentials, timeout and read-only intent, and no TLS unless asked', () => {
    const config = sourceKnexConfig(SERVER);
    assert.equal(config.client, 'mssql');
    assert.equal((config.pool as { max: number }).max, 3);
    const { generated, connection } = tediousConfig(SERVER);
    assert.equal(connection.config.server, 'sql.example');
    assert.equal(connection.config.authentication.type, 'default');
    assert.deepEqual([connection.config.authentication.options.userName, connection.config.authentication.options.password], ['reader', 's3cret']);
    const options = connection.config.options;
    assert.equal(options.port, 1433);
    assert.equal(options.database, 'erp');
    assert.equal(options.requestTimeout, 5000);
    assert.equal(options.readOnlyIntent, true);
    assert.equal(options.useUTC, true);
    assert.equal(options.encrypt, false);
    assert.equal(options.appName, 'bsync table-extract');
    // The password never shows where a config is logged or serialized.
    assert.doesNotMatch(JSON.stringify(generated), /s3cret/);
    assert.equal(describeSource(SERVER), 'SQL Server reader@sql.example:1433/erp');
  });

  it('with a tls-config: encrypted, the server certificate checked against the CA (or trusted when told), the client certificate offered', () => {
    const tls = { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', passphrase: 'key pass', servername: 'db.internal', rejectUnauthorized: true };
    const checked = tediousConfig({ ...SERVER, port: 14330, tls }).connection.config.options;
    assert.equal(checked.port, 14330);
    assert.equal(checked.encrypt, true);
    assert.equal(checked.trustServerCertificate, false);
    assert.equal(checked.serverName, 'db.internal');
    assert.deepEqual({ ...checked.cryptoCredentialsDetails }, { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', passphrase: 'key pass' });
    const trusting = tediousConfig({ ...SERVER, tls: { rejectUnauthorized: false } }).connection.config.options;
    assert.equal(trusting.encrypt, true);
    assert.equal(trusting.trustServerCertificate, true);
  });

  const kinds = new Map<string, ColumnInfo>([
    ['id', kindOf('int', 'mssql')],
    ['amount', kindOf('decimal', 'mssql')],
    ['fee', kindOf('money', 'mssql')],
    ['updated_at', kindOf('datetimeoffset', 'mssql')],
    ['booked_at', kindOf('datetime2', 'mssql')],
    ['due', kindOf('date', 'mssql')],
    ['big', kindOf('bigint', 'mssql')],
  ]);
  const tableRequest = (overrides: Partial<PageRequest>): PageRequest => ({
    from: { table: { schema: 'sales', name: 'customers' } },
    keyColumns: ['updated_at', 'id'],
    start: undefined,
    limit: 1000,
    bindings: {},
    kinds,
    ...overrides,
  });

  it('a page of a table: TOP, brackets, the keyset as plain comparisons on the table alias, never OFFSET', () => {
    const { sql, bindings } = buildPageQuery(knex, 'mssql', tableRequest({ start: { after: ['2026-11-30T10:00:00.25Z', 7] } })).toSQL().toNative();
    assert.equal(
      sql,
      'select top (@p0) [bsync_source].[id], convert(varchar(50), [bsync_source].[amount]) as [amount], ' +
        'convert(varchar(30), [bsync_source].[fee], 2) as [fee], ' +
        "convert(varchar(27), convert(datetime2(7), switchoffset([bsync_source].[updated_at], '+00:00')), 126) as [updated_at], " +
        'convert(varchar(27), [bsync_source].[booked_at], 126) as [booked_at], convert(varchar(10), [bsync_source].[due], 23) as [due], ' +
        '[bsync_source].[big] from [sales].[customers] as [bsync_source] ' +
        'where [bsync_source].[updated_at] >= @p1 and (([bsync_source].[updated_at] > @p2) or ([bsync_source].[updated_at] = @p3 and [bsync_source].[id] > @p4)) ' +
        'order by [bsync_source].[updated_at] asc, [bsync_source].[id] asc',
    );
    assert.doesNotMatch(sql, /\boffset\b|\bfetch\b/i);
    // The watermark time without the Z: a datetimeoffset takes it as +00:00, a datetime2 as it is.
    assert.deepEqual(bindings, [1000, '2026-11-30T10:00:00.25', '2026-11-30T10:00:00.25', '2026-11-30T10:00:00.25', 7]);
  });

  it('a page with three key columns, a lookback start, a column list, and a saved query', () => {
    const three = knex.select('*').from('t');
    whereAfter(three, ['a', 'b', 'c'], [1, 2, 3], 'mssql');
    assert.equal(three.toSQL().toNative().sql, 'select * from [t] where [a] >= @p0 and (([a] > @p1) or ([a] = @p2 and [b] > @p3) or ([a] = @p4 and [b] = @p5 and [c] > @p6))');

    const lookback = buildPageQuery(knex, 'mssql', tableRequest({ from: { table: { name: 'customers' }, columns: ['id', 'updated_at'] }, start: { from: '2026-11-30T09:50:00Z' }, limit: 5 })).toSQL().toNative();
    assert.equal(
      lookback.sql,
      "select top (@p0) [bsync_source].[id], convert(varchar(27), convert(datetime2(7), switchoffset([bsync_source].[updated_at], '+00:00')), 126) as [updated_at] " +
        'from [customers] as [bsync_source] where [bsync_source].[updated_at] >= @p1 order by [bsync_source].[updated_at] asc, [bsync_source].[id] asc',
    );
    assert.deepEqual(lookback.bindings, [5, '2026-11-30T09:50:00']);

    const query = 'select id, updated_at from orders where (:updated_at is null or updated_at >= :updated_at)';
    const saved = buildPageQuery(knex, 'mssql', { from: { query }, keyColumns: ['updated_at', 'id'], start: { after: ['2026-11-30T10:00:00Z', 3] }, limit: 10, bindings: { updated_at: bindingValue('mssql', '2026-11-30T10:00:00Z') } }).toSQL().toNative();
    assert.equal(
      saved.sql,
      'select top (@p0) * from (select id, updated_at from orders where (@p1 is null or updated_at >= @p2)) bsync_source ' +
        'where [updated_at] >= @p3 and (([updated_at] > @p4) or ([updated_at] = @p5 and [id] > @p6)) order by [updated_at] asc, [id] asc',
    );
    assert.deepEqual(saved.bindings, [10, '2026-11-30T10:00:00', '2026-11-30T10:00:00', '2026-11-30T10:00:00', '2026-11-30T10:00:00', '2026-11-30T10:00:00', 3]);
  });

  it('refuses names that are not plain, so none can close a bracket and become SQL', () => {
    const base = { name: 'x', keyColumns: 'id', groupType: 'g', folder: '/tmp/x' };
    for (const table of ['customers]; drop table customers --', '[customers]', 'dbo.[customers]', 'customers] --', 'a.b.c']) {
      assert.throws(() => parseExtractSettings({ ...base, table }), SourceQueryError, table);
    }
    for (const columns of ['id,[name]', 'id,name]--', 'id,name as n']) {
      assert.throws(() => parseExtractSettings({ ...base, table: 'customers', columns }), SourceQueryError, columns);
    }
    assert.throws(() => parseExtractSettings({ ...base, table: 'customers', keyColumns: 'id]' }), SourceQueryError);
  });

  it('the server text of decimals, money and times becomes the values every other database gives', () => {
    const row = toJsonRow(
      {
        id: 7,
        amount: '1234567890123456.78',
        fee: '12.3000',
        updated_at: '2026-03-29T01:30:00.1234560',
        booked_at: '2026-03-29T01:30:00',
        due: '2026-03-29',
        big: '9007199254740993',
      },
      kinds,
    );
    assert.deepEqual(row, {
      id: 7,
      amount: '1234567890123456.78',
      fee: '12.3000',
      updated_at: '2026-03-29T01:30:00.123456Z',
      booked_at: '2026-03-29T01:30:00',
      due: '2026-03-29',
      big: '9007199254740993',
    });
    // tedious reads bit as true/false itself: nothing to convert.
    assert.deepEqual(kindOf('bit', 'mssql'), { kind: 'other' });
  });

  it('refuses a config that cannot work, in plain words', () => {
    assert.throws(() => validateSourceConfig({ client: 'mssql', host: '', database: 'erp', user: 'u' }), (error: unknown) => error instanceof InvalidRequestError && /needs a host/.test(error.message));
    assert.throws(() => validateSourceConfig({ client: 'pg', host: 'h', database: 'd', user: '' }), /needs a user/);
    assert.throws(() => validateSourceConfig({ client: 'sqlite', filename: 'x', poolMax: 0 }), /pool size/);
  });
});
