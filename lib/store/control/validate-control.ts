import { InvalidRequestError } from '../../errors';

/** Far above any sane setting, far below the INT column's limit: a typo gets a clear answer, not a driver error. */
export const MAX_THROTTLE_VALUE = 1_000_000;

/** Same length as the `dispatcher` column. */
const MAX_DISPATCHER_KEY_LENGTH = 200;

export function assertPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_THROTTLE_VALUE) {
    throw new InvalidRequestError(`${name} must be a whole number from 1 to ${MAX_THROTTLE_VALUE}, got ${JSON.stringify(value) ?? String(value)}`);
  }
  return value;
}

export function assertDispatcherKey(dispatcher: unknown): string {
  if (typeof dispatcher !== 'string' || dispatcher.trim() === '') {
    throw new InvalidRequestError('a dispatcher name is required');
  }
  if (dispatcher.length > MAX_DISPATCHER_KEY_LENGTH) {
    throw new InvalidRequestError(`dispatcher name "${dispatcher.slice(0, 40)}…" is longer than ${MAX_DISPATCHER_KEY_LENGTH} characters`);
  }
  return dispatcher;
}
