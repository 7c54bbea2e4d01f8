import type { Knex } from 'knex';
import type { Store } from '../open-store';
import { recordEvents } from '../record-event';
import type { BatchRow, EventAction } from '../tables';
import { moveErrorPayloads, type ErrorPayloadState } from './error-payload-transitions';

// A replay batch holds its parent's error payloads RESUBMITTED (no lease) until its outcome settles them;
// the `held-by-replay` events say which replay holds which copy. One place writes and reads that holding.

const HELD_BY_REPLAY = 'held-by-replay' satisfies EventAction;

/** NEW → RESUBMITTED, held by the replay: no lease, a `held-by-replay` event each. Inside the caller's transaction. */
export async function holdForReplay(
  store: Store,
  trx: Knex.Transaction,
  copies: readonly ErrorPayloadState[],
  replay: Pick<BatchRow, 'id'>,
  hold: { actor: string; now: number; reason?: string },
): Promise<void> {
  await moveErrorPayloads(store, trx, copies, 'RESUBMITTED', { status_time: hold.now, lease_owner: null, lease_until: null });
  await recordEvents(
    store,
    trx,
    copies.map((copy) => ({
      entity: 'error_payload' as const,
      entityId: copy.id,
      batchId: copy.batch_id,
      action: HELD_BY_REPLAY,
      fromStatus: 'NEW' as const,
      toStatus: 'RESUBMITTED' as const,
      actor: hold.actor,
      detail: {
        replayBatchId: replay.id,
        ...(hold.reason === undefined ? {} : { reason: hold.reason }),
        before: { status: 'NEW' },
        after: { status: 'RESUBMITTED', replayBatchId: replay.id },
      },
      at: hold.now,
    })),
  );
}

/**
 * The parent's error payloads a replay took hold of (`mine`: any `held-by-replay` event names it), and which
 * replay holds each copy of the parent last.
 */
export async function replayHolds(
  trx: Knex.Transaction,
  store: Store,
  replay: Pick<BatchRow, 'id' | 'parent_batch_id'>,
): Promise<{ mine: number[]; holderOf: Map<number, number> }> {
  const events = (await trx(store.tables.event)
    .where({ entity: 'error_payload', batch_id: replay.parent_batch_id, action: HELD_BY_REPLAY })
    .orderBy('id')
    .select('entity_id', 'detail')) as { entity_id: string; detail: string | null }[];
  const mine = new Set<number>();
  const holderOf = new Map<number, number>();
  for (const event of events) {
    const holder = heldReplayId(event.detail);
    if (holder === undefined) continue;
    const copy = Number(event.entity_id);
    holderOf.set(copy, holder);
    if (holder === replay.id) mine.add(copy);
  }
  return { mine: [...mine], holderOf };
}

/** The replay a `held-by-replay` event names, from its detail. */
export function heldReplayId(detail: string | null): number | undefined {
  if (!detail) return undefined;
  try {
    const parsed = JSON.parse(detail) as { replayBatchId?: unknown };
    return typeof parsed.replayBatchId === 'number' ? parsed.replayBatchId : undefined;
  } catch {
    return undefined;
  }
}
