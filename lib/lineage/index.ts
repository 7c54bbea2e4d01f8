// Lineage: a row's identity through retries, resumes, replays and corrections. The idempotency key names
// the row where it first came from (its origin batch and row), and a replay file's name names the batch
// it replays; processing, corrections and parking all read and write these through here.
export { IDEMPOTENCY_HEADER, idempotencyKey, parseIdempotencyKey, recreateKey } from './idempotency-key';
export { originBatchId } from './origin-batch';
export { replayFileName, parentBatchIdFromFileName } from './replay-file-name';
