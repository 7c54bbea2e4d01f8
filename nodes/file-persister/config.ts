import path from 'node:path';
import type { NodeDef } from 'node-red';
import type { PersistFolders } from '../../lib/files';
import { dataDir, readNumbers, type DataDirSettings } from '../../lib/node-red/config-values';
import { FILE_PERSISTER_RULES } from '../../lib/node-red/field-rules';

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

export const DEFAULTS = {
  inbound: 'inbound',
  processing: 'processing',
  duplicates: 'duplicates',
  pattern: '*.csv,*.jsonl,*.ndjson',
  groupType: 'default',
} as const;

export function readConfig(def: Partial<FilePersisterDef>, settings: DataDirSettings): FilePersisterConfig {
  const base = dataDir(settings);
  const folder = (value: string | undefined, fallback: string) => path.resolve(base, value?.trim() || fallback);
  const seconds = readNumbers(def as Record<string, unknown>, FILE_PERSISTER_RULES);
  return {
    folders: {
      inbound: folder(def.inbound, DEFAULTS.inbound),
      processing: folder(def.processing, DEFAULTS.processing),
      duplicates: folder(def.duplicates, DEFAULTS.duplicates),
    },
    pattern: def.pattern?.trim() || DEFAULTS.pattern,
    pollIntervalMs: Math.round(seconds.pollInterval * 1000),
    stableMs: Math.round(seconds.stableTime * 1000),
    groupType: def.groupType?.trim() || DEFAULTS.groupType,
    allowDuplicates: def.allowDuplicates === true,
  };
}
