import knexFactory, { type Knex } from 'knex';
import { describeError } from '../errors';
import { KNEX_LOG } from '../store/knex-log';
import { sourceKnexConfig } from './knex-config';
import { describeSource, validateSourceConfig, type SourceClient, type SourceConfig } from './source-config';
import { SourceUnavailableError } from './source-errors';

/** A database to read from: one knex pool, its dialect, and how long one query may run. */
export interface Source {
  readonly knex: Knex;
  readonly client: SourceClient;
  readonly queryTimeoutMs: number;
  readonly description: string;
  close(): Promise<void>;
}

/** Opens the pool and checks the database answers; SourceUnavailableError with the driver's reason if not. */
export async function openSource(config: SourceConfig): Promise<Source> {
  validateSourceConfig(config);
  const knex = knexFactory({ ...sourceKnexConfig(config), log: KNEX_LOG });
  const description = describeSource(config);
  try {
    await knex.raw('select 1');
  } catch (error) {
    await knex.destroy().catch(() => undefined);
    throw new SourceUnavailableError(`source database ${description} is not available: ${describeError(error)}`, error);
  }
  let closed = false;
  return {
    knex,
    client: config.client,
    queryTimeoutMs: config.queryTimeoutMs ?? 60_000,
    description,
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
    },
  };
}
