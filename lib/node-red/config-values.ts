import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { ConfigError } from './config-error';
import type { NumberRule } from './field-rules';

/**
 * The one number reader of the nodes: a blank field is the rule's default; anything else is a number
 * within the rule, or a ConfigError naming the field, the range and what was given. Never a clamp or a
 * silent default for a value the user did type.
 */
function readNumber(field: string, value: unknown, rule: NumberRule): number {
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (text === '') return rule.default;
  const number = Number(text);
  const params = { field, value: text.length > 40 ? `${text.slice(0, 39)}…` : text, min: rule.min, max: rule.max };
  if (!Number.isFinite(number) || (rule.integer && !Number.isInteger(number)) || number < rule.min || number > rule.max) {
    throw new ConfigError(rule.integer ? 'common.errors.wholeNumber' : 'common.errors.number', params, `${field} must be ${rule.integer ? 'a whole number' : 'a number'} from ${rule.min} to ${rule.max}, got "${params.value}"`);
  }
  return number;
}

/** Every rule of a table read from a node's settings, by field name. */
export function readNumbers<Rules extends Record<string, NumberRule>>(def: Record<string, unknown>, rules: Rules): { [Field in keyof Rules]: number } {
  const values = {} as { [Field in keyof Rules]: number };
  for (const field of Object.keys(rules) as Array<keyof Rules & string>) values[field] = readNumber(field, def[field], rules[field]);
  return values;
}

/** The settings.js entries that say where relative folders live. */
export interface DataDirSettings {
  userDir?: string;
  bsyncDataDir?: string;
}

/**
 * The folder relative paths of the nodes are taken from: `bsyncDataDir` of the Node-RED settings when
 * set (the shipped flows keep their files there), else the Node-RED user directory.
 */
export function dataDir(settings: DataDirSettings): string {
  const userDir = settings.userDir ?? process.cwd();
  return settings.bsyncDataDir ? path.resolve(userDir, settings.bsyncDataDir) : path.resolve(userDir);
}

/** A folder from a node's config (blank: the default name), absolute as given, else under dataDir(). */
export function resolveFolder(RED: NodeAPI, folder: string | undefined, fallback: string): string {
  return path.resolve(dataDir(RED.settings as DataDirSettings), folder?.trim() || fallback);
}
