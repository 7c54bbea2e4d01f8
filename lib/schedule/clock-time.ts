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
