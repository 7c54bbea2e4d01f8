export interface DispatcherState {
  paused: boolean;
  nextRun: Date | null;
  inFlight: number;
  timezone?: string;
}

/** The line under the node: "next run 12:00:10 · 2 in flight", or "paused · 2 in flight". */
export function statusText(state: DispatcherState): string {
  const inFlight = `${state.inFlight} in flight`;
  if (state.paused) return `paused · ${inFlight}`;
  if (!state.nextRun) return `no next run · ${inFlight}`;
  return `next run ${clockTime(state.nextRun, state.timezone)} · ${inFlight}`;
}

/** HH:MM:SS in the schedule's time zone, so it reads like the cron expression it comes from. */
export function clockTime(date: Date, timezone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone: timezone?.trim() || undefined,
  }).format(date);
}
