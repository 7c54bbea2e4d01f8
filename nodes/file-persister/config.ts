import path from 'node:path';
import type { NodeDef } from 'node-red';
import type { PersistFolders } from '../../lib/files';

export interface FilePersisterDef extends NodeDef {
  store: string;
  inbound: string;
  processing: string;
  duplicates: string;
  pattern: string;
  /** Seconds; 0 turns polling off. */
  pollInterval: string | number;
  /** Seconds. */
  stableTime: string | number;
  groupType: string;
  allowDuplicates: boolean;
}

export interface FilePersisterConfig {
  folders: PersistFolders;
  pattern: string;
  pollIntervalMs: number;
  stableMs: number;
  groupType: string;
  allowDuplicates: boolean;
}

/** The settings.js entries we read: where relative folders live. */
export interface DataDirSettings {
  userDir?: string;
  bsyncDataDir?: string;
}

export const DEFAULTS = {
  inbound: 'inbound',
  processing: 'processing',
  duplicates: 'duplicates',
  pattern: '*.csv',
  pollIntervalSeconds: 5,
  stableSeconds: 2,
  groupType: 'default',
} as const;

/** The folder relative paths are taken from: `bsyncDataDir` in settings.js when set, else the Node-RED user directory. */
export function dataDir(settings: DataDirSettings): string {
  const userDir = settings.userDir ?? process.cwd();
  return settings.bsyncDataDir ? path.resolve(userDir, settings.bsyncDataDir) : path.resolve(userDir);
}

/** A number of seconds from the editor; an empty or invalid field means the default, not zero. */
function milliseconds(value: string | number | undefined, defaultSeconds: number): number {
  const text = String(value ?? '').trim();
  const seconds = Number(text);
  if (text === '' || !Number.isFinite(seconds) || seconds < 0) return defaultSeconds * 1000;
  return Math.round(seconds * 1000);
}

export function readConfig(def: Partial<FilePersisterDef>, settings: DataDirSettings): FilePersisterConfig {
  const base = dataDir(settings);
  const folder = (value: string | undefined, fallback: string) => path.resolve(base, value?.trim() || fallback);
  return {
    folders: {
      inbound: folder(def.inbound, DEFAULTS.inbound),
      processing: folder(def.processing, DEFAULTS.processing),
      duplicates: folder(def.duplicates, DEFAULTS.duplicates),
    },
    pattern: def.pattern?.trim() || DEFAULTS.pattern,
    pollIntervalMs: milliseconds(def.pollInterval, DEFAULTS.pollIntervalSeconds),
    stableMs: milliseconds(def.stableTime, DEFAULTS.stableSeconds),
    groupType: def.groupType?.trim() || DEFAULTS.groupType,
    allowDuplicates: def.allowDuplicates === true,
  };
}
