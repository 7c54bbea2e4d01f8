import { BsyncError } from '../errors';

/**
 * A node setting that cannot work. It names a catalog text (under `common.errors` of the batch-store
 * catalog, or the node's own with a `<type>.` prefix) and its parameters, so the status and the log read
 * in the editor's language; `message` is the English fallback for logs outside Node-RED.
 */
export class ConfigError extends BsyncError {
  constructor(
    readonly textKey: string,
    readonly params: Record<string, string | number> = {},
    fallback = `invalid configuration: ${textKey} ${JSON.stringify(params)}`,
  ) {
    super('INVALID_CONFIG', fallback);
  }
}
