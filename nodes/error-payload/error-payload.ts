import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { runErrorPayloadAction, type ErrorPayloadActionResult } from '../../lib/corrections';
import { InvalidRequestError } from '../../lib/errors';
import { csvDownloadHeaders, registerBatchFolder } from '../../lib/files';
import { batchStoreOf, watchStore } from '../../lib/node-red/batch-store-node';
import { actorOf, failMessage } from '../../lib/node-red/fail-message';
import { resolveFolder } from '../../lib/node-red/folders';
import { showStatus } from '../../lib/node-red/status';

interface ErrorPayloadDef extends NodeDef {
  store: string;
  processingFolder: string;
  delimiter: string;
  quote: string;
}

type ErrorPayloadMessage = NodeMessageInFlow & { filename?: string; parentBatchId?: number; rows?: number; headers?: Record<string, string> };

/** A short line under the node saying what the last action did. */
function describeResult({ action, result }: ErrorPayloadActionResult): string {
  switch (action) {
    case 'list':
      return `listed ${result.errorPayloads.length} of ${result.total} error payloads`;
    case 'get':
      return `error payload ${result.errorPayload.id}: ${result.errorPayload.status}`;
    case 'update':
      return `corrected error payload ${result.id}`;
    case 'discard':
      return `discarded error payload ${result.id}`;
    case 'ready':
      return 'count' in result ? `${result.count} error payloads READY` : `error payload ${result.id} READY`;
    case 'replay':
      return result.from === 'errors' ? `batch ${result.parent.id} replayed as batch ${result.batch.id}` : `batch ${result.batch.id} retried from its file`;
    case 'export':
      return `exported ${result.rows} rows of batch ${result.parentBatchId}`;
  }
}

function register(RED: NodeAPI): void {
  function ErrorPayload(this: Node, def: ErrorPayloadDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const store = batchStoreOf(RED, def.store);
    const processingFolder = resolveFolder(RED, def.processingFolder?.trim() || 'processing');
    const csv = { delimiter: def.delimiter || ',', quote: def.quote || '"' };
    // Replay files are written there and read by a row-processor, which reads only registered folders.
    node.on('close', registerBatchFolder(processingFolder));
    let lastText = 'ready';

    if (!store) showStatus(node, 'error', 'no batch-store configured');
    else node.on('close', watchStore(node, store, () => showStatus(node, 'ok', lastText)));

    node.on('input', (incoming: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (error?: Error) => void) => {
      const msg = incoming as ErrorPayloadMessage;
      if (!store) return failMessage(node, done, new InvalidRequestError('no batch-store configured: choose one in the error-payload node'), msg);
      const action = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      store
        .use((db) => runErrorPayloadAction(db, { action, payload: msg.payload, actor: actorOf(node, msg), processingFolder, csv }))
        .then(
          (answer) => {
            if (answer.action === 'export') {
              // The CSV itself is the payload, ready for a file node or an http response.
              msg.payload = answer.result.csv;
              msg.filename = answer.result.fileName;
              msg.parentBatchId = answer.result.parentBatchId;
              msg.rows = answer.result.rows;
              // For an http response node: the name goes into Content-Disposition safely (RFC 6266), whatever it holds.
              msg.headers = { ...msg.headers, ...csvDownloadHeaders(answer.result.fileName) };
            } else {
              msg.payload = answer.result;
            }
            lastText = describeResult(answer);
            showStatus(node, 'ok', lastText);
            send(msg);
            done();
          },
          (error: unknown) => failMessage(node, done, error, msg),
        );
    });
  }

  RED.nodes.registerType('error-payload', ErrorPayload as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

export = register;
