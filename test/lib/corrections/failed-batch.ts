// Batches that went through a run with failed rows, written the way the row-processor writes them
// (claim, PROCESSING, one checkpoint window, FAILED), without sending anything.
import {
  changeBatchStatus,
  claimBatches,
  normalizeErrorPayload,
  registerBatch,
  writeCheckpointWindow,
  type BatchRow,
  type ErrorKind,
  type ErrorPayloadRow,
  type Store,
} from '../../../lib/store';

export const OWNER = 'runtime-test';

export interface FailedRowSpec {
  row: number;
  /** Default: `bsync-<batch>-<row>`, or the parent's key for a replay batch. */
  key?: string;
  errorKind?: ErrorKind;
  record?: Record<string, string>;
  payload?: string | null;
  error?: string;
}

export interface FailedBatchSpec {
  totalRows: number;
  failures: FailedRowSpec[];
  groupType?: string;
  groupId?: string | null;
  parentBatchId?: number;
  rowSchema?: string | null;
  fileName?: string;
  folder?: string;
}

let files = 0;

/** A FAILED file batch with one error payload per failure, read to its end. */
export async function failedBatch(store: Store, spec: FailedBatchSpec): Promise<{ batch: BatchRow; errorPayloads: ErrorPayloadRow[] }> {
  const groupType = spec.groupType ?? `hr-${(files += 1)}`;
  const registered = await registerBatch(store, {
    groupType,
    groupId: spec.groupId ?? null,
    kind: 'file',
    fileName: spec.fileName ?? `bank-${files}.csv`,
    folder: spec.folder ?? '/data/failed',
    sha256: 'e'.repeat(64),
    size: 100,
    parentBatchId: spec.parentBatchId ?? null,
    status: spec.parentBatchId ? 'RETRY' : 'NEW',
    actor: 'test',
  });
  const [claimed] = await claimBatches(store, { owner: OWNER, leaseMs: 60_000, limit: 1, groupType });
  if (claimed?.id !== registered.id) throw new Error(`could not claim batch ${registered.id}`);
  await changeBatchStatus(store, {
    id: claimed.id,
    to: 'PROCESSING',
    action: 'processing',
    actor: OWNER,
    leaseOwner: OWNER,
    patch: { total_rows: spec.totalRows, row_schema: spec.rowSchema ?? null },
  });
  await writeCheckpointWindow(store, {
    batchId: claimed.id,
    groupType,
    groupId: spec.groupId ?? null,
    owner: OWNER,
    checkpointRow: spec.totalRows,
    processed: spec.totalRows,
    succeeded: spec.totalRows - spec.failures.length,
    failed: spec.failures.length,
    failures: spec.failures.map((failure) => {
      const record = failure.record ?? { employeeNumber: String(1000 + failure.row), iban: `DE00BAD${failure.row}` };
      return {
        rowNumber: failure.row,
        payload: failure.payload === undefined ? JSON.stringify(record) : failure.payload,
        originalPayload: JSON.stringify(record),
        idempotencyKey: failure.key ?? `bsync-${claimed.id}-${failure.row}`,
        errorKind: failure.errorKind ?? 'permanent',
        httpStatus: failure.errorKind === 'validation' ? null : 422,
        error: failure.error ?? `row ${failure.row} rejected`,
      };
    }),
    resolvedRows: [],
    leaseUntil: Date.now() + 60_000,
  });
  const batch = await changeBatchStatus(store, {
    id: claimed.id,
    to: spec.failures.length > 0 ? 'FAILED' : 'PROCESSED',
    action: spec.failures.length > 0 ? 'failed' : 'processed',
    actor: OWNER,
    leaseOwner: OWNER,
    patch: { error: spec.failures.length > 0 ? `${spec.failures.length} of ${spec.totalRows} rows failed` : null, lease_owner: null, lease_until: null },
  });
  const rows = (await store.knex(store.tables.errorPayload).where('batch_id', batch.id).orderBy('row_number')) as Record<string, unknown>[];
  return { batch, errorPayloads: rows.map(normalizeErrorPayload) };
}
