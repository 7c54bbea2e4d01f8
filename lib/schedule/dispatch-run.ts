import {
  claimBatches,
  claimErrorPayloads,
  ensureControl,
  findControl,
  type BatchRow,
  type ControlDefaults,
  type ControlRow,
  type ErrorPayloadRow,
  type Store,
} from '../store';
import type { DispatchMode } from './dispatcher-key';

export interface DispatchRunOptions {
  mode: DispatchMode;
  /** The control row this dispatcher follows (see dispatcherKey). */
  dispatcher: string;
  /** This runtime (see runtimeId): the lease owner of what it claims. */
  owner: string;
  leaseMs: number;
  groupType?: string;
  groupId?: string;
  /** The node's configured throttle: used only when the control row does not exist yet. */
  defaults: ControlDefaults;
  now?: number;
}

export type DispatchRunResult =
  | { mode: 'batches'; control: ControlRow; claimed: BatchRow[] }
  | { mode: 'errors'; control: ControlRow; claimed: ErrorPayloadRow[] };

/**
 * One dispatcher run: reads the throttle every runtime shares, then claims what is due within it. The
 * control row is read on each run, so a pause or throttle an admin sets anywhere applies from the next
 * run on, in every runtime, without a redeploy.
 */
export async function dispatchRun(store: Store, options: DispatchRunOptions): Promise<DispatchRunResult> {
  const now = options.now ?? Date.now();
  const groupType = options.groupType?.trim() || undefined;
  const groupId = options.groupId?.trim() || undefined;
  // Missing when the deploy could not reach the database, or an admin deleted the row.
  const control = (await findControl(store, options.dispatcher)) ?? (await ensureControl(store, options.dispatcher, options.defaults, now));
  if (control.paused) return options.mode === 'errors' ? { mode: 'errors', control, claimed: [] } : { mode: 'batches', control, claimed: [] };

  // Both kinds of claim obey the same throttle: the control row's fetch size and max in flight.
  const claim = {
    owner: options.owner,
    leaseMs: options.leaseMs,
    limit: control.fetch_size,
    maxInFlight: control.max_in_flight,
    controlKey: options.dispatcher,
    groupType,
    groupId,
    now,
  };
  if (options.mode === 'batches') return { mode: 'batches', control, claimed: await claimBatches(store, claim) };
  const claimed = await claimErrorPayloads(store, claim);
  return { mode: 'errors', control, claimed };
}
