import type { NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { CsvFormat } from '../../lib/corrections';
import { csvDownloadHeaders, registerBatchFolder } from '../../lib/files';
import { batchView, errorPayloadView, eventView } from '../../lib/messages';
import { resolveFolder } from '../../lib/node-red/config-values';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import { resendView } from '../../lib/resend';
import { runErrorPayloadAction, type ErrorPayloadActionResult } from './actions';

interface ErrorPayloadDef extends NodeDef {
  store: string;
  processingFolder: string;
  delimiter: string;
  quote: string;
}

interface ErrorPayloadConfig {
  processingFolder: string;
  csv: CsvFormat;
}

type ErrorPayloadMessage = NodeMessageInFlow & { filename?: string; parentBatchId?: number; rows?: number; headers?: Record<string, string> };

/** A short line under the node saying what the last action did: a catalog key and its parameters. */
function describeResult({ action, result }: ErrorPayloadActionResult): [string, Record<string, string | number>?] {
  switch (action) {
    case 'list':
      return ['status.listed', { count: result.errorPayloads.length, total: result.total }];
    case 'get':
      return ['status.got', { id: result.errorPayload.id, status: result.errorPayload.status }];
    case 'update':
      return ['status.corrected', { id: result.id }];
    case 'discard':
      return ['status.discarded', { id: result.id }];
    case 'ready':
      return 'count' in result ? ['status.readyMany', { count: result.count }] : ['status.ready', { id: result.id }];
    case 'replay':
      return result.source === 'errors' ? ['status.replayed', { parent: result.parent.id, id: result.batch.id }] : ['status.retried', { id: result.batch.id }];
    case 'export':
      return ['status.exported', { rows: result.rows, id: result.parentBatchId }];
    case 'resend':
      return ['status.resent', resentCounts(result)];
  }
}

function resentCounts(result: { resent: { rows: number }[]; refused: unknown[] }): Record<string, number> {
  return { rows: result.resent.reduce((sum, resent) => sum + resent.rows, 0), batches: result.resent.length, refused: result.refused.length };
}

/** Answers leave the node as views (camelCase, ISO times), not as database rows. */
function resultView(answer: ErrorPayloadActionResult): unknown {
  switch (answer.action) {
    case 'list':
      return { ...answer.result, errorPayloads: answer.result.errorPayloads.map(errorPayloadView) };
    case 'get':
      return { ...answer.result, errorPayload: errorPayloadView(answer.result.errorPayload), events: answer.result.events.map(eventView) };
    case 'update':
    case 'discard':
      return errorPayloadView(answer.result);
    case 'ready':
      return 'count' in answer.result ? answer.result : errorPayloadView(answer.result);
    case 'replay':
      return answer.result.source === 'errors'
        ? { ...answer.result, batch: batchView(answer.result.batch), parent: batchView(answer.result.parent) }
        : { source: 'original', batch: batchView(answer.result.batch) };
    case 'export':
      return answer.result.csv;
    case 'resend':
      return resendView(answer.result);
  }
}

function start(context: FlowNodeContext<ErrorPayloadConfig>) {
  const { store, config } = context;
  let shown: [string, Record<string, string | number>?] = ['status.idle'];
  // Replay files are written there and read by a row-processor, which reads only registered folders.
  const unregisterProcessingFolder = registerBatchFolder(config.processingFolder);
  return {
    stop: unregisterProcessingFolder,
    showReady: () => context.status('ok', ...shown),
    async input(incoming: NodeMessageInFlow, send: Send) {
      const msg = incoming as ErrorPayloadMessage;
      const action = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      const answer = await store.use((db) =>
        runErrorPayloadAction(db, { action, payload: msg.payload, actor: context.actorOf(msg), processingFolder: config.processingFolder, csv: config.csv }),
      );
      if (answer.action === 'export') {
        // The CSV itself is the payload, ready for a file node or an http response.
        msg.filename = answer.result.fileName;
        msg.parentBatchId = answer.result.parentBatchId;
        msg.rows = answer.result.rows;
        // For an http response node: the name goes into Content-Disposition safely (RFC 6266), whatever it holds.
        msg.headers = { ...msg.headers, ...csvDownloadHeaders(answer.result.fileName) };
      }
      msg.payload = resultView(answer);
      shown = describeResult(answer);
      context.status('ok', ...shown);
      send(msg);
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<ErrorPayloadDef, ErrorPayloadConfig>(RED, {
    type: 'error-payload',
    uses: { store: (def) => def.store },
    configure: (def, red) => ({
      processingFolder: resolveFolder(red, def.processingFolder, 'processing'),
      csv: { delimiter: def.delimiter || ',', quote: def.quote || '"' },
    }),
    start,
  });
}

export = register;
