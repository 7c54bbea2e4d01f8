import type { BatchLineage, LineageBatch } from '../store/batches/batch-lineage';
import { isoTime } from '../messages';
import type { ControlRow, FixStatistics } from '../store';

// The views of batches, error payloads and events are the message protocol's (lib/messages); these are the
// admin routes' own.
export { batchView, errorPayloadView, eventView, isoTime, type BatchView } from '../messages';

export function lineageBatchView(batch: LineageBatch) {
  return { id: batch.id, status: batch.status, fileName: batch.file_name, createdAt: isoTime(batch.created_at), parentBatchId: batch.parent_batch_id };
}

export function lineageView(lineage: BatchLineage) {
  return { parent: lineage.parent ? lineageBatchView(lineage.parent) : null, replays: lineage.replays.map(lineageBatchView) };
}

export function fixStatisticsView(statistics: FixStatistics) {
  return {
    failed: statistics.failed,
    open: statistics.open,
    // Held RESUBMITTED by a replay batch: the replay's outcome settles them (open there, not here).
    heldByReplay: statistics.heldByReplay,
    resolved: statistics.resolved,
    discarded: statistics.discarded,
    settledThroughLineage: statistics.settledThroughLineage,
    byStatus: statistics.byStatus,
    replayBatchIds: statistics.replayBatchIds,
  };
}

export interface DispatcherRuntimeView {
  /** The dispatcher node in this runtime, when one runs here. */
  nodeId: string;
  nodeName: string;
  mode: string;
  groupType: string | null;
  groupId: string | null;
  nextRun: string | null;
  inFlight: number;
  /** The node's configured values: where the control row started from. */
  startingFetchSize: number;
  startingMaxInFlight: number;
}

export function dispatcherView(control: ControlRow, nodes: DispatcherRuntimeView[]) {
  return {
    name: control.dispatcher,
    paused: Boolean(control.paused),
    fetchSize: control.fetch_size,
    maxInFlight: control.max_in_flight,
    updatedBy: control.updated_by,
    updatedAt: isoTime(control.updated_at),
    /** The dispatcher nodes of this runtime that follow the row; none when only other runtimes do. */
    nodes,
  };
}
