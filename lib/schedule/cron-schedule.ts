import { Cron } from 'croner';
import { InvalidRequestError, describeError } from '../errors';

/**
 * Classic 5-field cron, or 6 fields with seconds first (`*\/10 * * * * *`). Croner would also take a
 * 7th (year) field; the editor's check and the help promise 5 or 6, so the runtime holds to the same.
 */
const CRON_MODE = '5-or-6-parts';

export interface Schedule {
  /** When the next tick is due; null once stopped, or when the expression has no future date. */
  nextRun(): Date | null;
  stop(): void;
}

/** null when croner accepts the expression and the time zone; else why not, in croner's words. */
export function validateCron(expression: string, timezone?: string): string | null {
  const pattern = expression?.trim() ?? '';
  if (pattern === '') return 'a cron expression is required, e.g. */10 * * * * * for every 10 seconds';
  const zone = timezone?.trim() || undefined;
  if (zone && !isKnownTimeZone(zone)) return `time zone "${zone}" is not known: use an IANA name such as Europe/Amsterdam or UTC`;
  try {
    const probe = new Cron(pattern, { paused: true, mode: CRON_MODE, timezone: zone });
    const next = probe.nextRun();
    probe.stop();
    if (!next) return `cron expression "${pattern}" never fires (no such date in the future)`;
    return null;
  } catch (error) {
    return `cron expression "${pattern}" is not valid: ${withoutClassPrefix(describeError(error))}`;
  }
}

/**
 * Calls onTick on every date the expression matches. `protect`: a tick that is still running when the
 * next one is due makes croner skip that one, so a slow run never overlaps itself.
 */
export function createSchedule(
  expression: string,
  timezone: string | undefined,
  onTick: () => unknown,
  onError: (error: unknown) => void = () => undefined,
): Schedule {
  const problem = validateCron(expression, timezone);
  if (problem) throw new InvalidRequestError(problem);
  const job = new Cron(
    expression.trim(),
    { mode: CRON_MODE, timezone: timezone?.trim() || undefined, protect: true, catch: (error: unknown) => onError(error) },
    async () => {
      await onTick();
    },
  );
  return {
    nextRun: () => (job.isStopped() ? null : job.nextRun()),
    stop: () => job.stop(),
  };
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Croner prefixes its messages with its class name ("CronPattern: …"): of no use to a flow author. */
function withoutClassPrefix(message: string): string {
  return message.replace(/^Cron[A-Za-z]*:\s*/, '');
}
