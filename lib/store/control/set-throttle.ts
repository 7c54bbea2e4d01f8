import { InvalidRequestError } from '../../errors';
import type { Store } from '../open-store';
import type { ControlRow } from '../tables';
import { changeControl } from './change-control';
import { assertDispatcherKey, assertPositiveInteger } from './validate-control';

export interface Throttle {
  fetchSize?: number;
  maxInFlight?: number;
}

/** Changes how many requests a run claims and how many may be in flight at once, for every runtime. */
export async function setThrottle(store: Store, dispatcher: string, throttle: Throttle, actor: string, now: number = Date.now()): Promise<ControlRow> {
  assertDispatcherKey(dispatcher);
  if (throttle === null || typeof throttle !== 'object' || (throttle.fetchSize === undefined && throttle.maxInFlight === undefined)) {
    throw new InvalidRequestError('a throttle needs fetchSize, maxInFlight or both, e.g. {"fetchSize": 10, "maxInFlight": 5}');
  }
  const patch: { fetch_size?: number; max_in_flight?: number } = {};
  if (throttle.fetchSize !== undefined) patch.fetch_size = assertPositiveInteger('fetchSize', throttle.fetchSize);
  if (throttle.maxInFlight !== undefined) patch.max_in_flight = assertPositiveInteger('maxInFlight', throttle.maxInFlight);
  return changeControl(store, dispatcher, 'throttle', () => patch, actor, now);
}
