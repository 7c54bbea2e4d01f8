import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { compileRowSchema } from '../../lib/validation';
import type { SuccessCheck } from '../../lib/delivery/classify';
import { batchStoreOf, watchStore } from '../../lib/node-red/batch-store-node';
import { apiEndpointOf } from '../../lib/node-red/api-endpoint-node';
import { failMessage } from '../../lib/node-red/fail-message';
import { resolveFolder } from '../../lib/node-red/folders';
import { showStatus, throttledStatus } from '../../lib/node-red/status';
import { InvalidRequestError } from '../../lib/errors';
import { DEFAULT_SETTINGS, processBatch, resendErrorPayload, type ProcessorSettings, type RowMapper } from '../../lib/processing';
import type { BatchRow, ErrorPayloadRow } from '../../lib/store';
import { publishBatchProgress } from '../../lib/node-red/admin-events'; // batch sync sidebar (issue 12): live progress

interface RowProcessorDef extends NodeDef {
  store: string;
  endpoint: string;
  method: string;
  pathTemplate: string;
  headers: string;
  schema: string;
  mapping: string;
  successExpression: string;
  concurrency: string;
  maxAttempts: string;
  baseDelayMs: string;
  maxDelayMs: string;
  breakerThreshold: string;
  errorRetryDelay: string;
  leaseTime: string;
  windowRows: string;
  delimiter: string;
  quote: string;
  encoding: string;
  archiveFolder: string;
  failedFolder: string;
}

type JsonataExpression = unknown;

function requiredColumns(schema: string | undefined): string[] | undefined {
  if (!schema) return undefined;
  const required = (JSON.parse(schema) as { required?: unknown }).required;
  return Array.isArray(required) && required.every((column) => typeof column === 'string') && required.length > 0 ? required : undefined;
}

function register(RED: NodeAPI): void {
  function evaluator(expression: string, node: Node): (input: unknown) => Promise<unknown> {
    const prepared = RED.util.prepareJSONataExpression(expression, node) as JsonataExpression;
    return (input) =>
      new Promise((resolve, reject) =>
        RED.util.evaluateJSONataExpression(prepared as never, input as never, (error: Error | null, value: unknown) => (error ? reject(error) : resolve(value))),
      );
  }

  function settingsOf(node: Node, def: RowProcessorDef): ProcessorSettings {
    const number = (value: string, fallback: number) => (value === '' || value === undefined || Number.isNaN(Number(value)) ? fallback : Number(value));
    const schema = def.schema?.trim() ? def.schema.trim() : undefined;
    const map: RowMapper | undefined = def.mapping?.trim() ? evaluator(def.mapping, node) : undefined;
    let successCheck: SuccessCheck | undefined;
    if (def.successExpression?.trim()) {
      const check = evaluator(def.successExpression, node);
      successCheck = async (body) => ({ ok: Boolean(await check(body)) });
    }
    return {
      ...DEFAULT_SETTINGS,
      csv: {
        delimiter: def.delimiter || ',',
        quote: def.quote || '"',
        encoding: (def.encoding || 'utf8') as 'utf8',
        // The schema's required columns must be in the header: a wrong header fails the file before any row is sent.
        columns: requiredColumns(schema),
      },
      validator: schema ? compileRowSchema(schema) : undefined,
      rowSchema: schema,
      map,
      request: { method: (def.method || 'POST').toUpperCase(), pathTemplate: def.pathTemplate || '/', headers: def.headers?.trim() ? JSON.parse(def.headers) : undefined },
      successCheck,
      concurrency: Math.max(1, number(def.concurrency, DEFAULT_SETTINGS.concurrency)),
      retry: {
        maxAttempts: Math.max(1, number(def.maxAttempts, DEFAULT_SETTINGS.retry.maxAttempts)),
        baseDelayMs: number(def.baseDelayMs, DEFAULT_SETTINGS.retry.baseDelayMs),
        maxDelayMs: number(def.maxDelayMs, DEFAULT_SETTINGS.retry.maxDelayMs),
      },
      breakerThreshold: Math.max(1, number(def.breakerThreshold, DEFAULT_SETTINGS.breakerThreshold)),
      errorRetryDelayMs: number(def.errorRetryDelay, DEFAULT_SETTINGS.errorRetryDelayMs / 1000) * 1000,
      leaseMs: number(def.leaseTime, DEFAULT_SETTINGS.leaseMs / 1000) * 1000,
      windowRows: Math.max(1, number(def.windowRows, DEFAULT_SETTINGS.windowRows)),
      folders: { archive: resolveFolder(RED, def.archiveFolder || 'archive'), failed: resolveFolder(RED, def.failedFolder || 'failed') },
    };
  }

  function RowProcessor(this: Node, def: RowProcessorDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const store = batchStoreOf(RED, def.store);
    const endpoint = apiEndpointOf(RED, def.endpoint);
    const closing = new AbortController();
    const running = new Set<Promise<void>>();
    const progress = throttledStatus(node);
    let settings: ProcessorSettings | undefined;
    let configError: string | undefined;
    try {
      settings = settingsOf(node, def);
    } catch (error) {
      configError = `invalid configuration: ${(error as Error).message}`;
    }
    if (!store) configError = 'no batch-store configured';
    else if (!endpoint) configError = 'no api-endpoint configured';
    else if (!endpoint.client) configError = `api-endpoint: ${endpoint.configError ?? 'not usable'}`;
    const idle = () => showStatus(node, configError ? 'error' : 'idle', configError ?? (running.size ? `${running.size} running` : 'waiting for batches'));
    const unwatch = store && !configError ? watchStore(node, store, idle) : undefined;
    idle();

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const client = endpoint?.client;
      if (configError || !store || !client || !settings) {
        failMessage(node, done, new InvalidRequestError(configError ?? 'not configured'), msg);
        return;
      }
      const item = msg.payload as Partial<BatchRow & ErrorPayloadRow> | undefined;
      if (!item || typeof item !== 'object' || typeof item.id !== 'number') {
        failMessage(node, done, new InvalidRequestError('msg.payload must be a claimed batch or error payload from a scheduled-dispatcher'), msg);
        return;
      }
      const owner = (msg as { lease?: { owner?: string } }).lease?.owner;
      if (!owner) {
        failMessage(node, done, new InvalidRequestError(`batch ${item.id}: msg.lease.owner is missing: send claimed items from a scheduled-dispatcher`), msg);
        return;
      }
      const isErrorPayload = msg.topic === 'error-payload' || typeof item.idempotency_key === 'string';
      const work = store
        .use(async (db) => {
          if (isErrorPayload) {
            const settled = await resendErrorPayload({ store: db, client, owner, signal: closing.signal }, item as ErrorPayloadRow, settings!);
            send([{ ...msg, topic: 'error-payload-resent', payload: settled } as NodeMessage, null]);
            return;
          }
          const summary = await processBatch(
            {
              store: db,
              client,
              owner,
              signal: closing.signal,
              onProgress: (p) => {
                progress.show('busy', `batch ${p.batchId}: ${p.processedRows.toLocaleString('en-US')}/${(p.totalRows ?? 0).toLocaleString('en-US')} rows, ${p.failedRows} failed`);
                publishBatchProgress(RED, { storeId: def.store, ...p }); // batch sync sidebar (issue 12)
              },
              onFailedRow: (batch, failed) =>
                send([
                  null,
                  {
                    topic: 'failed-row',
                    payload: { batchId: batch.id, groupType: batch.group_type, groupId: batch.group_id, ...failed },
                  } as NodeMessage,
                ]),
            },
            item as BatchRow,
            settings!,
          );
          progress.flush();
          publishBatchProgress(RED, { storeId: def.store, batchId: summary.batchId, status: summary.status, totalRows: summary.totalRows, processedRows: summary.processedRows, succeededRows: summary.succeededRows, failedRows: summary.failedRows }); // batch sync sidebar (issue 12)
          const level = summary.status === 'PROCESSED' ? 'ok' : summary.status === 'FAILED' ? 'warn' : 'error';
          showStatus(node, level, `batch ${summary.batchId} ${summary.status}: ${summary.succeededRows} ok, ${summary.failedRows} failed`);
          send([{ ...msg, topic: 'batch-complete', payload: summary } as NodeMessage, null]);
        })
        .then(
          () => done(),
          (error) => failMessage(node, done, error, msg),
        );
      const tracked = work.finally(() => running.delete(tracked));
      running.add(tracked);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // No new rows; in-flight requests finish; each batch writes its checkpoint and is re-parked.
      closing.abort();
      Promise.allSettled([...running]).then(() => {
        progress.stop();
        unwatch?.();
        done();
      });
    });
  }

  RED.nodes.registerType('row-processor', RowProcessor as never);
}

export = register;
