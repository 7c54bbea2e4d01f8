import { InvalidRequestError } from '../errors';
import type { Throttle } from '../store';

/**
 * The throttle an admin message asks for: `{ fetchSize, maxInFlight }`, either or both. Digit strings
 * count as numbers (form nodes send strings); anything else is passed on for setThrottle to refuse
 * with its reason.
 */
export function throttleRequest(payload: unknown): Throttle {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new InvalidRequestError('a throttle message needs msg.payload = {"fetchSize": 10, "maxInFlight": 5} (either or both)');
  }
  const { fetchSize, maxInFlight } = payload as Record<string, unknown>;
  return { fetchSize: asNumber(fetchSize), maxInFlight: asNumber(maxInFlight) } as Throttle;
}

function asNumber(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
}
