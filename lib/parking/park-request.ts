import type { Knex } from 'knex';
import { InvalidRequestError } from '../errors';
import { parentBatchIdFromFileName } from '../lineage';
import { findBatch, findBatchBySha256, registerBatch, storeInTransaction, writeTransaction, type BatchRow, type NewBatch, type Store } from '../store';
import { DuplicateBatchError } from './duplicate-batch-error';
import { asFileReference, locationOf, type FileReference } from './file-reference';
import { payloadContent } from './payload-content';
import { setAsideDuplicate } from './set-aside-duplicate';
import { resolveGroup, type GroupRules } from './resolve-group';
import { normalizeBatch } from '../store/batches/normalize-batch';

/** How a parking-lot node parks what it receives, from its configuration. */
export interface ParkingRules extends GroupRules {
  /** Minutes a new batch waits before a dispatcher may claim it. */
  parkingMinutes?: number;
  priority?: number;
}

/** What came in: msg.payload and the msg properties that override the rules. */
export interface ParkRequest {
  payload: unknown;
  groupType?: unknown;
  groupId?: unknown;
  priority?: unknown;
  contentType?: unknown;
  /**
   * The batch this file replays (msg.parentBatchId), e.g. failed rows exported, fixed outside Node-RED
   * and dropped back in; a replay file's name also says it ('bank.replay-7.csv'). Its rows then keep
   * their idempotency keys.
   */
  parentBatchId?: unknown;
  /** Who parked it, for the audit trail. */
  actor: string;
  now?: number;
}

/**
 * Parks a file reference (from the file-persister) or a single payload as a NEW batch and returns its row.
 * Refuses, with the reason and where the file is, anything it cannot park: nothing is lost. A refused file
 * stays in the processing folder, except a duplicate, which goes to the reference's duplicates folder.
 */
export async function parkRequest(store: Store, request: ParkRequest, rules: ParkingRules = {}): Promise<BatchRow> {
  const now = request.now ?? Date.now();
  const reference = asFileReference(request.payload);
  const group = resolveGroup(request, reference, rules);
  const base = {
    ...group,
    parkedUntil: now + parkingMs(rules.parkingMinutes),
    priority: priorityOf(request.priority, rules.priority),
    actor: request.actor,
    now,
  };
  if (reference) {
    const parentBatchId = await replayedBatch(store, request.parentBatchId, reference.fileName);
    const replay = parentBatchId === undefined ? {} : { parentBatchId, status: 'RETRY' as const };
    try {
      return await parkFile(store, reference, { ...base, ...replay });
    } catch (error) {
      throw error instanceof DuplicateBatchError ? await setAsideDuplicate(reference, error) : error;
    }
  }
  const content = payloadContent(request.payload, contentTypeOf(request.contentType));
  return registerBatch(store, { ...base, kind: 'payload', payload: content.text, contentType: content.contentType });
}

async function replayedBatch(store: Store, given: unknown, fileName: string): Promise<number | undefined> {
  if (given !== undefined && given !== null && given !== '' && !(Number.isInteger(Number(given)) && Number(given) > 0)) {
    throw new InvalidRequestError(`msg.parentBatchId must be a batch id, got ${JSON.stringify(given)}`);
  }
  const id = given !== undefined && given !== null && given !== '' ? Number(given) : parentBatchIdFromFileName(fileName);
  if (id === undefined) return undefined;
  if (!(await findBatch(store, id))) {
    throw new InvalidRequestError(`${fileName} replays batch ${id}, which does not exist; the file stays where it is`);
  }
  return id;
}

async function parkFile(store: Store, reference: FileReference, base: Omit<NewBatch, 'kind'>): Promise<BatchRow> {
  const batch: NewBatch = {
    ...base,
    kind: 'file',
    fileName: reference.fileName,
    folder: reference.folder,
    sha256: reference.sha256 || null,
    size: Number.isFinite(reference.size) ? reference.size : null,
  };
  if (!reference.sha256 || reference.allowDuplicates) return registerBatch(store, batch);

  // The file-persister looked for a duplicate before; two copies of one file may still arrive together,
  // so the look is repeated in the transaction that parks it.
  return writeTransaction(store, async (trx) => {
    await lockCopies(store, trx, base.groupType, reference.sha256);
    const inTransaction = storeInTransaction(store, trx);
    const existing = await findBatchBySha256(inTransaction, base.groupType, reference.sha256);
    if (existing) throw new DuplicateBatchError(reference.fileName, existing, { stays: locationOf(reference) });
    const parked = await registerBatch(inTransaction, batch);
    const racer = await lockOtherCopy(store, trx, parked);
    if (racer) throw new DuplicateBatchError(reference.fileName, racer, { stays: locationOf(reference) });
    return parked;
  });
}

/**
 * On MySQL/MariaDB the read above does not see a copy parked by a transaction that has not committed yet
 * (READ COMMITTED takes no gap locks). A locking read after our insert waits for such a copy: the two
 * transactions then wait for each other, the server rolls one back as a deadlock, writeTransaction runs it
 * again, and that run finds the committed copy. SQLite needs none of this: its write transaction is alone.
 */
async function lockOtherCopy(store: Store, trx: Knex.Transaction, parked: BatchRow): Promise<BatchRow | undefined> {
  if (store.dialect !== 'mysql') return undefined;
  const row = await trx(store.tables.batch)
    .where({ group_type: parked.group_type, sha256: parked.sha256 })
    .whereNot('id', parked.id)
    .whereNot('status', 'CANCELLED')
    .orderBy('id', 'asc')
    .forUpdate()
    .first();
  return row ? normalizeBatch(row) : undefined;
}

/**
 * On PostgreSQL a locking read neither sees nor waits for a row another transaction has yet to commit, so
 * lockOtherCopy cannot catch a racing copy there. Copies of one file take a transaction-scoped advisory
 * lock on their group type and hash before they look, instead: the second looks once the first committed.
 */
async function lockCopies(store: Store, trx: Knex.Transaction, groupType: string, sha256: string): Promise<void> {
  if (store.dialect !== 'postgres') return;
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`${store.tables.batch}/${groupType}/${sha256}`]);
}

function parkingMs(minutes: number | undefined): number {
  if (minutes === undefined) return 0;
  if (!Number.isFinite(minutes) || minutes < 0) throw new InvalidRequestError(`parking time must be 0 or more minutes, not ${minutes}`);
  return Math.round(minutes * 60_000);
}

function priorityOf(override: unknown, configured: number | undefined): number {
  const value = override ?? configured ?? 0;
  const priority = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) {
    throw new InvalidRequestError(`priority must be a whole number (higher runs first), not ${JSON.stringify(value)}`);
  }
  return priority;
}

function contentTypeOf(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidRequestError(`msg.contentType must be a text such as application/xml, not ${typeof value}`);
  return value;
}
