import { BsyncError, describeError } from '../errors';
import { openSource, type Source } from './open-source';
import { describeSource, type SourceConfig } from './source-config';
import { SourceQueryError, SourceUnavailableError } from './source-errors';
import { KeptConnection, type ConnectionOptions, type ConnectionState } from '../store/kept-connection';

export type SourceState = ConnectionState;
export type SourceConnectionOptions = ConnectionOptions;

/** Driver errors that mean "the source is not reachable", as opposed to a bad query. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|PROTOCOL_CONNECTION_LOST|Connection terminated|Knex: Timeout acquiring a connection|SQLITE_CANTOPEN|unable to open database|Connection lost|closed state|ESOCKET/i;

export function isSourceUnreachable(error: unknown): boolean {
  if (error instanceof SourceUnavailableError) return true;
  // Our own errors say what they are: a refused query, or the batch store (not this source) being down.
  if (error instanceof BsyncError || error instanceof SourceQueryError) return false;
  return UNREACHABLE.test(describeError(error)) || UNREACHABLE.test(String((error as { code?: string })?.code));
}

/**
 * Keeps one source open for a source-database config node (see KeptConnection), so a database that comes
 * back is used again without a redeploy. Never throws into the runtime.
 */
export class SourceConnection extends KeptConnection<Source> {
  readonly description: string;

  constructor(
    readonly config: SourceConfig,
    options: SourceConnectionOptions = {},
  ) {
    const description = describeSource(config);
    super(
      {
        open: () => openSource(config),
        isUnreachable: isSourceUnreachable,
        unavailable: (reason, cause) => new SourceUnavailableError(`source database ${description} is not available: ${reason}`, cause),
      },
      options,
    );
    this.description = description;
  }
}
