// Memory of a process from /proc (Linux): the resident set now, and its high-water mark (peak RSS).
import fs from 'node:fs';

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size over the process's life (VmHWM), bytes. */
  peakRss: number;
}

/** Undefined when the process is gone or /proc is not there (not Linux). */
export function memoryOf(pid: number): Memory | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') };
}

/**
 * Samples a process's memory every `intervalMs` until stopped, so the peak is known even when the
 * process exits before we read VmHWM at the end.
 */
export class MemorySampler {
  peakRss = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 200,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): Memory | undefined {
    const memory = memoryOf(this.pid);
    // A process being started or reaped has no memory lines yet or any more: NaN, skipped.
    const peak = memory ? (Number.isFinite(memory.peakRss) ? memory.peakRss : memory.rss) : NaN;
    if (Number.isFinite(peak)) this.peakRss = Math.max(this.peakRss, peak);
    return memory;
  }

  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peakRss;
  }
}

export function megabytes(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/** CPU time (user + system) a process has used so far, seconds; undefined when it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;
