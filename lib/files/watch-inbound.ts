import { watch, type FSWatcher } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeError } from '../errors';
import { fileNameMatcher, isUnfinishedName } from './file-pattern';

export interface StableFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface InboundWatcherOptions {
  folder: string;
  /** A glob (`*.csv`, see globToRegExp) or a RegExp tested against the file name. */
  pattern: string | RegExp;
  intervalMs: number;
  /** How long size and modification time must stay the same before a file counts as completely written. */
  stableMs: number;
  /**
   * Also asks the operating system to tell when a name appears in the folder (fs.watch), and then polls at
   * once instead of at the next interval (default true). Polling still finds every file: where the folder
   * cannot be watched (a network share, a full inotify table), files are found as without it.
   */
  watchFolder?: boolean;
  /**
   * Takes a stable file over. When it resolves, the file is not reported again until its size or time
   * changes; when it rejects, the error goes to onError and the file is tried again once stable anew.
   */
  onFile: (file: StableFile) => Promise<void>;
  /** A poll or hand-off failed. The same reason is reported once until a poll goes through cleanly. */
  onError: (error: unknown) => void;
  /** A poll went through cleanly after one that failed: the folder is back, the node can drop its red status. */
  onRecovered?: () => void;
  now?: () => number;
}

interface Observation {
  size: number;
  mtimeMs: number;
  /** When the file was first seen with this size and time. */
  since: number;
  reported: boolean;
}

/**
 * The shortest wait for a poll the watch or a stable time asks for: after a name appears, names that follow
 * join the same poll (an upload of many files is one poll), and a stable time just ending never polls in a loop.
 */
const WATCH_SETTLE_MS = 10;

/**
 * Polls an inbound folder and reports each matching file once it has stopped changing, so a file still
 * being uploaded is never read half-written. Polling works the same on local disks, network shares and
 * containers' bind mounts; fs.watch, where it works, only makes a new file's first look come sooner. A file
 * seen changing is looked at again when its stable time is up, not only at the next interval.
 */
export class InboundWatcher {
  private readonly observations = new Map<string, Observation>();
  private readonly matches: (fileName: string) => boolean;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  /** When the timer fires (performance.now()). */
  private timerAt = 0;
  private polling?: Promise<void>;
  private running = false;
  private stopped = false;
  private lastErrorReason?: string;
  private errorInThisPoll = false;
  private folderWatch?: FSWatcher;
  /** A name appeared while a poll was running: the poll after it comes at once. */
  private pollAgain = false;

  constructor(private readonly options: InboundWatcherOptions) {
    this.matches = fileNameMatcher(options.pattern);
    this.now = options.now ?? Date.now;
  }

  /** Polls now and then every intervalMs, one poll at a time. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.tick();
  }

  /** No further polls; resolves once a poll in progress (and the hand-off it is running) has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatchFolder();
    await this.polling;
  }

  private tick(): void {
    this.pollAgain = false;
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
      if (!this.running) return;
      this.watchFolder();
      this.pollIn(this.pollAgain ? 0 : this.nextPollInMs());
    });
  }

  /** The next poll in `delayMs`, or sooner if one is due sooner already. */
  private pollIn(delayMs: number): void {
    const at = performance.now() + delayMs;
    if (this.timer) {
      if (this.timerAt <= at) return;
      clearTimeout(this.timer);
    }
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, delayMs);
  }

  /** The interval, or less when a file seen changing will have been stable for stableMs sooner. */
  private nextPollInMs(): number {
    const now = this.now();
    let delayMs = this.options.intervalMs;
    for (const observation of this.observations.values()) {
      if (!observation.reported) delayMs = Math.min(delayMs, Math.max(WATCH_SETTLE_MS, observation.since + this.options.stableMs - now));
    }
    return delayMs;
  }

  /** Watches the folder once it exists; a watch that fails or ends is made again after the next clean poll. */
  private watchFolder(): void {
    if (this.folderWatch || this.options.watchFolder === false || this.errorInThisPoll) return;
    try {
      const folderWatch = watch(this.options.folder, { persistent: false }, (eventType) => {
        // 'rename' is a name that appeared or went; 'change' a file written to, which the stable check follows.
        if (eventType === 'rename') this.pollSoon();
      });
      folderWatch.on('error', () => this.unwatchFolder());
      this.folderWatch = folderWatch;
    } catch {
      // Not watchable here (no inotify watches left, a file system without events): polling finds the files.
    }
  }

  private unwatchFolder(): void {
    this.folderWatch?.close();
    this.folderWatch = undefined;
  }

  private pollSoon(): void {
    if (!this.running) return;
    if (this.polling) this.pollAgain = true;
    else this.pollIn(WATCH_SETTLE_MS);
  }

  /** One look at the folder: records sizes and times, hands on the files that have been stable long enough. */
  async pollOnce(): Promise<void> {
    this.errorInThisPoll = false;
    const { folder } = this.options;
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (error) {
      // A folder removed and made again is another folder: the watch of the old one hears nothing more.
      this.unwatchFolder();
      // The reason before the path: a status shows the first 80 characters.
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? describeError(error)})`;
      this.report(new Error(`the inbound folder ${reason}: ${folder}`, { cause: error }));
      return;
    }
    const now = this.now();
    const present = new Set<string>();
    const ready: StableFile[] = [];
    for (const entry of entries) {
      // Folders and symlinks are skipped: only plain files dropped into this folder are batches.
      if (!entry.isFile() || isUnfinishedName(entry.name) || !this.matches(entry.name)) continue;
      const filePath = path.join(folder, entry.name);
      let stat;
      try {
        stat = await fs.stat(filePath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.report(error);
        continue;
      }
      present.add(entry.name);
      const seen = this.observations.get(entry.name);
      if (!seen || seen.size !== stat.size || seen.mtimeMs !== stat.mtimeMs) {
        this.observations.set(entry.name, { size: stat.size, mtimeMs: stat.mtimeMs, since: now, reported: false });
      }
      const observation = this.observations.get(entry.name)!;
      if (!observation.reported && now - observation.since >= this.options.stableMs) {
        ready.push({ name: entry.name, path: filePath, size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
    for (const name of this.observations.keys()) if (!present.has(name)) this.observations.delete(name);

    // Oldest first, so batches are parked in the order their files arrived.
    ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    for (const file of ready) {
      // A redeploy waits for the hand-off in progress, not for the whole backlog.
      if (this.stopped) break;
      try {
        await this.options.onFile(file);
        const observation = this.observations.get(file.name);
        if (observation) observation.reported = true;
      } catch (error) {
        this.observations.delete(file.name);
        this.report(error);
      }
    }
    if (!this.errorInThisPoll && this.lastErrorReason !== undefined) {
      this.lastErrorReason = undefined;
      this.options.onRecovered?.();
    }
  }

  private report(error: unknown): void {
    this.errorInThisPoll = true;
    const reason = describeError(error);
    if (reason === this.lastErrorReason) return;
    this.lastErrorReason = reason;
    this.options.onError(error);
  }
}
