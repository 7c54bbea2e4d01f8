import { InvalidRequestError } from '../errors';
import type { ResendByKeyRequest } from './resend-by-key';
import { shown } from './source-keys';

const FIELDS = ['groupType', 'sourceKeys', 'keyColumn', 'reason'] as const;
const MAX_REASON_LENGTH = 1000;

/**
 * What a resend asks for, as the admin route's body and the nodes' msg.payload give it:
 * `{ groupType, sourceKeys: [...], keyColumn?, reason? }`. A misspelt field is refused, not ignored.
 */
export function resendRequestOf(body: unknown): Pick<ResendByKeyRequest, 'groupType' | 'sourceKeys' | 'keyColumn' | 'reason'> {
  if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new InvalidRequestError('resend takes an object: { groupType, sourceKeys: [{"customerNo":"C-007"}, …] } (keyColumn to give plain values, reason optional)');
  }
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new InvalidRequestError(`resend does not take ${JSON.stringify(key.slice(0, 40))}: it takes ${FIELDS.join(', ')}`);
  }
  const { groupType, sourceKeys, keyColumn, reason } = fields;
  if (typeof groupType !== 'string' || groupType.trim() === '') {
    throw new InvalidRequestError('resend needs the group type whose key map holds the keys (groupType)');
  }
  if (keyColumn !== undefined && (typeof keyColumn !== 'string' || keyColumn === '')) {
    throw new InvalidRequestError(`keyColumn must be the name of the one key column, not ${shown(keyColumn)}`);
  }
  if (reason !== undefined && reason !== null && typeof reason !== 'string') throw new InvalidRequestError('reason must be text');
  if (typeof reason === 'string' && reason.length > MAX_REASON_LENGTH) throw new InvalidRequestError(`reason is longer than ${MAX_REASON_LENGTH} characters`);
  return {
    groupType,
    sourceKeys,
    ...(keyColumn !== undefined ? { keyColumn } : {}),
    ...(typeof reason === 'string' && reason.trim() !== '' ? { reason } : {}),
  };
}
