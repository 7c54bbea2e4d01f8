import { InvalidRequestError } from '../errors';
import { locationOf, type FileReference } from './file-reference';
import { groupFromFileName } from './group-pattern';

/** Group columns are VARCHAR(100). */
const MAX_GROUP_LENGTH = 100;

export interface GroupRules {
  groupType?: string;
  groupId?: string;
  groupPattern?: RegExp;
}

export interface GroupOverrides {
  /** msg.groupType / msg.groupId: the sender knows best. */
  groupType?: unknown;
  groupId?: unknown;
}

export interface Group {
  groupType: string;
  groupId: string | null;
}

/**
 * The group a request is parked in. Most specific first: the message, then the file reference, then the
 * file name through the group pattern, then the node's configuration.
 */
export function resolveGroup(overrides: GroupOverrides, reference: FileReference | undefined, rules: GroupRules): Group {
  let groupType = groupValue('msg.groupType', overrides.groupType) ?? groupValue('the file reference groupType', reference?.groupType);
  let groupId = groupValue('msg.groupId', overrides.groupId);

  if (reference && rules.groupPattern && (groupType === undefined || groupId === undefined)) {
    const fromName = groupFromFileName(rules.groupPattern, reference.fileName);
    if (!fromName) {
      throw new InvalidRequestError(
        `file name ${reference.fileName} does not match the group pattern ${rules.groupPattern.source}: ` +
          `it was not parked and stays in ${locationOf(reference)}`,
      );
    }
    groupType ??= fromName.groupType;
    groupId ??= fromName.groupId;
  }

  groupType ??= groupValue('the group type', rules.groupType);
  groupId ??= groupValue('the group id', rules.groupId);
  if (groupType === undefined) {
    const where = reference ? ` (file ${reference.fileName} stays in ${locationOf(reference)})` : '';
    throw new InvalidRequestError(
      `no group type${where}: set one on the parking-lot node, in msg.groupType, or through a (?<groupType>…) group in the group pattern`,
    );
  }
  return { groupType, groupId: groupId ?? null };
}

function groupValue(what: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new InvalidRequestError(`${what} must be a text, not ${typeof value}`);
  }
  const text = String(value).trim();
  if (text === '') return undefined;
  if (text.length > MAX_GROUP_LENGTH) throw new InvalidRequestError(`${what} "${text.slice(0, 20)}…" is longer than ${MAX_GROUP_LENGTH} characters`);
  return text;
}
