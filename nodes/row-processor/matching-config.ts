import { splitUpdateTemplate, type MatchingSettings, type TargetKeySource } from '../../lib/matching';
import { ConfigError } from '../../lib/node-red/config-error';

/** The key matching fields of the row-processor's config (DESIGN.md "Match records by the keys of both systems"). */
export interface MatchingDef {
  /** Names of the row's columns, separated by commas; blank: no matching (every row is sent as today). */
  keyColumns?: string;
  /** Blank: the node's request method and path. */
  createMethod?: string;
  createPath?: string;
  updateMethod?: string;
  updatePath?: string;
  /** `body`: the JSONata expression below over the create answer's body; `location`: the Location header. */
  targetKeyFrom?: string;
  targetKeyExpression?: string;
  /** `report` (default) or `recreate`. */
  updateNotFound?: string;
}

const MATCH_METHODS = ['POST', 'PUT', 'PATCH'] as const;

/**
 * The key columns as written: names separated by commas. A name is taken exactly (a CSV header may have a
 * column " region"), so spaces around a name are refused with the reason rather than trimmed silently.
 */
function keyColumnsOf(text: string): string[] {
  const names = text.split(',');
  for (const name of names) {
    if (name === '') throw new ConfigError('row-processor.errors.keyColumnEmpty', { columns: text });
    if (name.trim() !== name) throw new ConfigError('row-processor.errors.keyColumnSpaces', { column: name });
  }
  if (new Set(names).size !== names.length) throw new ConfigError('row-processor.errors.keyColumnTwice', { columns: text });
  return names;
}

function methodOf(value: string | undefined, fallback: string): string {
  const method = (value || fallback).toUpperCase();
  if (!(MATCH_METHODS as readonly string[]).includes(method)) throw new ConfigError('row-processor.errors.matchMethod', { method });
  return method;
}

function pathOf(value: string | undefined, fallback: string): string {
  const path = value || fallback;
  if (!path.startsWith('/')) throw new ConfigError('row-processor.errors.path');
  return path;
}

/** Key matching settings, or undefined when no key columns are set; a value that cannot work is refused. */
export function matchingSettings(
  def: MatchingDef,
  request: { method: string; pathTemplate: string },
  evaluator: (expression: string) => (input: unknown) => Promise<unknown>,
): MatchingSettings | undefined {
  if (!def.keyColumns) return undefined;
  const keyColumns = keyColumnsOf(def.keyColumns);
  const updatePath = pathOf(def.updatePath, '');
  try {
    splitUpdateTemplate(updatePath);
  } catch {
    throw new ConfigError('row-processor.errors.updatePath', { path: updatePath });
  }
  let targetKey: TargetKeySource;
  const from = def.targetKeyFrom || 'body';
  if (from === 'location') targetKey = { from: 'location' };
  else if (from === 'body') {
    const expression = def.targetKeyExpression?.trim();
    if (!expression) throw new ConfigError('row-processor.errors.targetKeyExpression');
    let evaluate: (input: unknown) => Promise<unknown>;
    try {
      evaluate = evaluator(expression);
    } catch (error) {
      throw new ConfigError('row-processor.errors.jsonata', { error: (error as Error).message });
    }
    targetKey = { from: 'body', evaluate };
  } else throw new ConfigError('row-processor.errors.targetKeyFrom', { from });
  const onUpdateNotFound = def.updateNotFound || 'report';
  if (onUpdateNotFound !== 'report' && onUpdateNotFound !== 'recreate') throw new ConfigError('row-processor.errors.updateNotFound', { choice: onUpdateNotFound });
  return {
    keyColumns,
    create: { method: methodOf(def.createMethod, request.method), pathTemplate: pathOf(def.createPath, request.pathTemplate) },
    update: { method: methodOf(def.updateMethod, 'PUT'), pathTemplate: updatePath },
    targetKey,
    onUpdateNotFound,
  };
}
