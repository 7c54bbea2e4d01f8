import type { NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { InvalidRequestError } from '../../lib/errors';
import { completionMessage, failedRowMessage, resentMessage, TOPICS } from '../../lib/messages';
import { ROW_PROCESSOR_RULES } from '../../lib/node-red/field-rules';
import { publishBatchProgress } from '../../lib/node-red/admin-events';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import { throttledStatus } from '../../lib/node-red/status';
import { processBatch, resendErrorPayload, type BatchSummary, type ProcessorSettings, type Progress } from '../../lib/processing';
import { getBatch, getErrorPayload, type KeyMapHolder } from '../../lib/store';
import { processorSettings, type RowProcessorDef } from './settings';

/** What a claimed message from a scheduled-dispatcher asks for: which item, under whose lease. */
interface Claim {
  kind: 'batch' | 'error-payload';
  id: number;
  owner: string;
}

function readClaim(msg: NodeMessageInFlow, text: FlowNodeContext<unknown>['text']): Claim {
  const kind = msg.topic === TOPICS.claimedBatch ? 'batch' : msg.topic === TOPICS.claimedErrorPayload ? 'error-payload' : undefined;
  const id = (msg.payload as { id?: unknown } | undefined)?.id;
  if (!kind || typeof id !== 'number' || !Number.isInteger(id)) throw new InvalidRequestError(text('errors.notClaimed'));
  const owner = (msg as { lease?: { owner?: unknown } }).lease?.owner;
  if (typeof owner !== 'string' || owner === '') throw new InvalidRequestError(text('errors.noLease', { id }), kind === 'batch' ? { batchId: id } : {});
  return { kind, id, owner };
}

function summaryLevel(status: BatchSummary['status']): 'ok' | 'warn' | 'error' {
  return status === 'PROCESSED' ? 'ok' : status === 'FAILED' ? 'warn' : 'error';
}

function start(context: FlowNodeContext<ProcessorSettings>) {
  const { store, endpoint, config: settings, text } = context;
  const progress = throttledStatus(context.node);
  let running = 0;
  const showReady = () => (running ? context.status('busy', 'status.running', { count: running }) : context.status('idle', 'status.waiting'));

  async function processClaim(claim: Claim, msg: NodeMessageInFlow, send: Send): Promise<void> {
    const client = endpoint.client!;
    if (claim.kind === 'error-payload') {
      const onWaiting = (waitingFor: KeyMapHolder) =>
        context.status('busy', waitingFor.kind === 'batch' ? 'status.resendWaitingForBatch' : 'status.resendWaitingForResend', { id: claim.id, waitingFor: waitingFor.id });
      const resent = await store.use(async (db) =>
        resendErrorPayload({ store: db, client, owner: claim.owner, signal: context.closing, onWaiting }, await getErrorPayload(db, claim.id), settings),
      );
      context.status(resent.status === 'RESOLVED' ? 'ok' : 'warn', 'status.resent', { id: resent.id, status: resent.status });
      send([{ ...msg, ...resentMessage(resent) } as NodeMessage, null]);
      return;
    }
    const summary = await store.use(async (db) => {
      const processing = {
        store: db,
        client,
        owner: claim.owner,
        signal: context.closing,
        cancel: context.cancelled,
        onProgress: (p: Progress) => {
          if (p.waitingFor) {
            const key = p.waitingFor.kind === 'batch' ? 'status.waitingForBatch' : 'status.waitingForResend';
            progress.show('busy', text(key, { batchId: p.batchId, waitingFor: p.waitingFor.id }));
            return;
          }
          // Written only if shown: most reports of a fast batch are throttled away.
          progress.show('busy', () => {
            const counts = { batchId: p.batchId, processed: p.processedRows.toLocaleString('en-US'), total: (p.totalRows ?? 0).toLocaleString('en-US'), failed: p.failedRows };
            return p.skippedRows ? text('status.progressSkipped', { ...counts, skipped: p.skippedRows.toLocaleString('en-US') }) : text('status.progress', counts);
          });
          // Live progress for the batch sync sidebar, over Node-RED's comms.
          publishBatchProgress(context.RED, { storeId: store.id, ...p });
        },
        onFailedRow: (batch: Parameters<typeof failedRowMessage>[0], failed: Parameters<typeof failedRowMessage>[1]) =>
          send([null, failedRowMessage(batch, failed) as NodeMessage]),
      };
      return processBatch(processing, await getBatch(db, claim.id), settings);
    });
    progress.flush();
    const { batchId, status, totalRows, processedRows, succeededRows, failedRows, skippedRows } = summary;
    publishBatchProgress(context.RED, { storeId: store.id, batchId, status, totalRows, processedRows, succeededRows, failedRows, skippedRows });
    // A batch split into partitions, or one partition of it done, is no batch's end: output 1 waits for the
    // summary of the whole batch, which the run that settles its last partition sends.
    if (status === 'PARTITIONED') {
      context.status('ok', 'status.partitioned', { batchId, total: (totalRows ?? 0).toLocaleString('en-US'), partitions: summary.partitions ?? 0 });
      return;
    }
    if (summary.partition && !summary.error) {
      const { of: parentId, firstRow, lastRow } = summary.partition;
      context.status(summaryLevel(status), 'status.partitionDone', { batchId, parentId, firstRow, lastRow, status, succeeded: succeededRows, failed: failedRows });
      return;
    }
    if (processedRows === 0 && summary.error) {
      // Failed (or re-parked) before any row: the reason is what an admin needs to see, not "0 ok, 0 failed".
      context.status(summaryLevel(summary.status), 'status.stopped', { batchId, status, reason: summary.error });
    } else {
      const skipped = summary.skippedRows;
      context.status(summaryLevel(summary.status), skipped ? 'status.completeSkipped' : 'status.complete', { batchId, status, succeeded: succeededRows, failed: failedRows, ...(skipped ? { skipped } : {}) });
    }
    send([{ ...msg, ...completionMessage(summary) } as NodeMessage, null]);
  }

  return {
    showReady,
    async input(msg: NodeMessageInFlow, send: Send) {
      const claim = readClaim(msg, text);
      running += 1;
      try {
        await processClaim(claim, msg, send);
      } finally {
        running -= 1;
      }
    },
    stop() {
      progress.stop();
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<RowProcessorDef, ProcessorSettings>(RED, {
    type: 'row-processor',
    uses: { store: (def) => def.store, endpoint: (def) => def.endpoint },
    configure: (def, red, node) => processorSettings(red, node, def),
    start,
    options: { settings: { rowProcessorFieldRules: { value: ROW_PROCESSOR_RULES, exportable: true } } },
  });
}

export = register;
