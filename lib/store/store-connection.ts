import { DatabaseUnavailableError, describeError } from '../errors';
import { KeptConnection, type ConnectionOptions } from './kept-connection';
import { describeTarget, openStore, type Store, type StoreConfig } from './open-store';

export type { ConnectionState, ConnectionOptions } from './kept-connection';

/** Driver errors that mean "the database is not reachable", as opposed to a bad query. */
const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR|Knex: Timeout acquiring a connection|SQLITE_CANTOPEN|SQLITE_IOERR|unable to open database|connect ETIMEDOUT|Connection lost|closed state|Connection terminated|is not queryable/i;

/**
 * PostgreSQL's SQLSTATEs for the same: the connection_exception class (08xxx), the server shutting down
 * or starting up (57P01 admin, 57P02 crash, 57P03 cannot connect now), too many connections (53300).
 */
const POSTGRES_UNREACHABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

export function isUnreachable(error: unknown): boolean {
  const code = String((error as { code?: string } | null)?.code);
  return error instanceof DatabaseUnavailableError || UNREACHABLE.test(describeError(error)) || UNREACHABLE.test(code) || POSTGRES_UNREACHABLE.test(code);
}

/**
 * Keeps one store open for a batch-store config node (see KeptConnection): connects and migrates in the
 * background, retries while the database is unreachable, reports its state, and closes only after the
 * operations under way.
 */
export class StoreConnection extends KeptConnection<Store> {
  readonly target: string;

  constructor(
    readonly config: StoreConfig,
    options: ConnectionOptions = {},
  ) {
    const target = describeTarget(config);
    super(
      {
        open: () => openStore(config),
        isUnreachable,
        unavailable: (reason, cause) => new DatabaseUnavailableError(`database ${target} is not available: ${reason}`, cause),
      },
      options,
    );
    this.target = target;
  }
}
