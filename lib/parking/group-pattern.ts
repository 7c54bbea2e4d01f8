import { InvalidRequestError } from '../errors';

/** What a file name tells about its group, through the named groups of the configured pattern. */
export interface GroupFromName {
  groupType?: string;
  groupId?: string;
}

/**
 * Compiles a group pattern such as `^(?<groupType>[a-z-]+)_(?<groupId>\w+)_\d{8}\.csv$`. Refuses one that
 * does not compile or names neither group: it could never tell a group, so it is a configuration mistake.
 */
export function compileGroupPattern(source: string): RegExp {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (error) {
    throw new InvalidRequestError(`group pattern ${source} is not a valid regular expression: ${(error as Error).message}`);
  }
  if (!/\(\?<group(Type|Id)>/.test(source)) {
    throw new InvalidRequestError(`group pattern ${source} has no named group: use (?<groupType>…) and/or (?<groupId>…)`);
  }
  return pattern;
}

/** The group named in the file name, or undefined when the name does not match the pattern. */
export function groupFromFileName(pattern: RegExp, fileName: string): GroupFromName | undefined {
  const match = pattern.exec(fileName);
  if (!match) return undefined;
  const named = match.groups ?? {};
  return { groupType: named.groupType || undefined, groupId: named.groupId || undefined };
}
