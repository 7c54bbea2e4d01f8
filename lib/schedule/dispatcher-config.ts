import { InvalidRequestError } from '../errors';
import { MAX_THROTTLE_VALUE } from '../store';
import { DISPATCH_MODES, dispatcherKey, type DispatchMode } from './dispatcher-key';

export const DISPATCHER_DEFAULTS = {
  mode: 'batches' as DispatchMode,
  cron: '*/10 * * * * *',
  fetchSize: 10,
  maxInFlight: 5,
  leaseSeconds: 300,
};

/** The node's settings as the editor saves them: numbers may arrive as strings, blanks mean "default". */
export interface RawDispatcherConfig {
  mode?: string;
  cron?: string;
  timezone?: string;
  groupType?: string;
  groupId?: string;
  fetchSize?: string | number;
  maxInFlight?: string | number;
  leaseSeconds?: string | number;
  dispatcher?: string;
}

export interface DispatcherConfig {
  mode: DispatchMode;
  cron: string;
  timezone?: string;
  groupType?: string;
  groupId?: string;
  fetchSize: number;
  maxInFlight: number;
  leaseMs: number;
  /** The control row key: the dispatcher name, or derived from mode and group filters. */
  dispatcher: string;
}

/** Reads and checks the node's settings; throws InvalidRequestError naming the setting that is wrong. */
export function readDispatcherConfig(raw: RawDispatcherConfig): DispatcherConfig {
  const mode = (raw.mode?.trim() || DISPATCHER_DEFAULTS.mode) as DispatchMode;
  if (!DISPATCH_MODES.includes(mode)) throw new InvalidRequestError(`mode must be ${DISPATCH_MODES.join(' or ')}, got "${raw.mode}"`);
  const groupType = raw.groupType?.trim() || undefined;
  const groupId = raw.groupId?.trim() || undefined;
  return {
    mode,
    cron: raw.cron?.trim() || DISPATCHER_DEFAULTS.cron,
    timezone: raw.timezone?.trim() || undefined,
    groupType,
    groupId,
    fetchSize: wholeNumber('fetch size', raw.fetchSize, DISPATCHER_DEFAULTS.fetchSize),
    maxInFlight: wholeNumber('max in flight', raw.maxInFlight, DISPATCHER_DEFAULTS.maxInFlight),
    leaseMs: wholeNumber('lease time', raw.leaseSeconds, DISPATCHER_DEFAULTS.leaseSeconds) * 1000,
    dispatcher: dispatcherKey({ name: raw.dispatcher, mode, groupType, groupId }),
  };
}

function wholeNumber(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === null || String(value).trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > MAX_THROTTLE_VALUE) {
    throw new InvalidRequestError(`${name} must be a whole number from 1 to ${MAX_THROTTLE_VALUE}, got "${value}"`);
  }
  return number;
}
