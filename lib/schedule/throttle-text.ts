import type { ControlRow } from '../store';

/**
 * The throttle in force, for the node status, when it is not what the node was configured with (an admin
 * changed it at runtime, for every runtime): " · now fetch 5, max 1". Empty while the node's own values
 * apply, so the status stays short in the usual case.
 */
export function throttleText(control: Pick<ControlRow, 'fetch_size' | 'max_in_flight'>, configured: { fetchSize: number; maxInFlight: number }): string {
  if (control.fetch_size === configured.fetchSize && control.max_in_flight === configured.maxInFlight) return '';
  return ` · now fetch ${control.fetch_size}, max ${control.max_in_flight}`;
}
