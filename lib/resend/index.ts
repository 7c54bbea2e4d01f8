// Resend at the remote system's request: the latest delivered version of each source key (bsync_key_map),
// read back from its batch file and parked as a replay batch that keeps every row's idempotency key.
export { resendByKey, type ResendByKeyRequest, type ResendByKey, type ResentBatch, type RefusedKey } from './resend-by-key';
export { requestedKeys, MAX_RESEND_KEYS, type RequestedKey } from './source-keys';
export { resendRequestOf } from './resend-request';
export { resendView } from './resend-view';
