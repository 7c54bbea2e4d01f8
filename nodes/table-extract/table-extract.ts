import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { InvalidRequestError, describeError } from '../../lib/errors';
import { parseExtractSettings, runExtract, type ExtractRun, type ExtractSettings } from '../../lib/extract';
import { registerBatchFolder } from '../../lib/files';
import { batchView, isoTime } from '../../lib/messages';
import { resolveFolder } from '../../lib/node-red/config-values';
import { ConfigError } from '../../lib/node-red/config-error';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import { groupLabel } from '../../lib/parking';
import { createSchedule, validateCron, type Schedule } from '../../lib/schedule';
import { findWatermark, resetWatermark, type WatermarkRow } from '../../lib/store';
import { sourceDatabaseOf, type SourceDatabaseNode } from '../source-database/source-database-node';

interface TableExtractDef extends NodeDef {
  store: string;
  source: string;
  extract: string;
  readFrom: 'table' | 'query';
  table: string;
  columns: string;
  query: string;
  mode: 'incremental' | 'full';
  keyColumns: string;
  lookbackSeconds: string;
  rowsPerBatch: string;
  pageSize: string;
  groupType: string;
  groupId: string;
  folder: string;
  cron: string;
  timezone: string;
}

interface TableExtractConfig {
  settings: ExtractSettings;
  source: SourceDatabaseNode;
  cron?: { expression: string; timezone?: string };
}

type ExtractMessage = NodeMessageInFlow & { reason?: unknown };

/** The watermark as a flow or an admin sees it: camelCase, ISO times. */
function watermarkView(extract: string, row: WatermarkRow | undefined) {
  return {
    extract,
    columns: row?.columns ?? null,
    value: row?.value ?? null,
    batchId: row?.batch_id ?? null,
    updatedAt: isoTime(row?.updated_at),
    updatedBy: row?.updated_by ?? null,
  };
}

function configure(def: TableExtractDef, RED: NodeAPI): TableExtractConfig {
  const source = sourceDatabaseOf(RED, def.source);
  if (!source) throw new ConfigError('table-extract.errors.noSource');
  const settings = parseExtractSettings({
    name: def.extract,
    table: def.readFrom === 'query' ? undefined : def.table,
    columns: def.readFrom === 'query' ? undefined : def.columns,
    query: def.readFrom === 'query' ? def.query : undefined,
    mode: def.mode || 'incremental',
    keyColumns: def.keyColumns ?? '',
    lookbackSeconds: def.lookbackSeconds,
    rowsPerBatch: def.rowsPerBatch,
    pageSize: def.pageSize,
    groupType: def.groupType,
    groupId: def.groupId,
    folder: resolveFolder(RED, def.folder, 'processing'),
  });
  if (!def.cron?.trim()) return { settings, source };
  const problem = validateCron(def.cron, def.timezone);
  if (problem) throw new InvalidRequestError(problem);
  return { settings, source, cron: { expression: def.cron, timezone: def.timezone?.trim() || undefined } };
}

function start(context: FlowNodeContext<TableExtractConfig>) {
  const { node, store, config, text } = context;
  const { settings, source } = config;
  source.register(node);
  // Its files are batch files: a row-processor reads only files in registered batch folders.
  const unregisterFolder = registerBatchFolder(settings.folder);
  let shown: [string, Record<string, string | number>?] = ['status.ready'];
  let running = false;

  // One status for both databases: the source being down wins over the last run's text (the toolkit shows the store's).
  let sourceState: { state: string; reason: string } = { state: 'connecting', reason: '' };
  const showReady = () => {
    if (sourceState.state === 'unavailable') context.status('error', 'status.sourceUnavailable', { reason: sourceState.reason });
    else if (sourceState.state === 'connecting') context.status('warn', 'status.sourceConnecting');
    else context.status('ok', ...shown);
  };
  const unwatchSource = source.watch((state, reason) => {
    sourceState = { state, reason };
    if (!context.closing.aborted) showReady();
  });

  async function extract(actor: string): Promise<ExtractRun> {
    if (running) throw new InvalidRequestError(text('errors.running', { name: settings.name }));
    running = true;
    context.status('busy', 'status.extracting');
    try {
      // The store is taken as it is now rather than through use(): a source failure inside is the source's.
      const batchStore = await store.connection.get();
      return await source.use((db) => runExtract({ source: db, store: batchStore, actor }, settings));
    } finally {
      running = false;
    }
  }

  function report(run: ExtractRun): NodeMessage[] {
    shown =
      run.batches.length === 0
        ? ['status.noChanges', { time: new Date().toISOString().slice(11, 19) }]
        : [run.batches.length === 1 ? 'status.parked' : 'status.parkedMany', { rows: run.rows, batches: run.batches.length, group: groupLabel(run.batches[0]) }];
    context.status('ok', ...shown);
    return run.batches.map(
      (batch, index) =>
        ({
          topic: 'extract',
          payload: { ...batchView(batch), rows: run.batchRows[index] },
          extract: { name: settings.name, rows: run.rows, watermark: run.watermark },
        }) as NodeMessage,
    );
  }

  let schedule: Schedule | undefined;
  if (config.cron) {
    const actor = `node:table-extract:${node.name || node.id}`;
    schedule = createSchedule(
      config.cron.expression,
      config.cron.timezone,
      () => {
        if (running || context.closing.aborted) return;
        context
          .track(extract(actor))
          .then((run) => {
            for (const msg of report(run)) node.send(msg);
          })
          .catch((error: unknown) => {
            context.statusText('error', describeError(error));
            node.error(describeError(error), { payload: { extract: settings.name }, error: { message: describeError(error) } } as NodeMessage);
          });
      },
      (error) => node.error(describeError(error)),
    );
  }

  return {
    showReady,
    async input(incoming: NodeMessageInFlow, send: Send) {
      const msg = incoming as ExtractMessage;
      const topic = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      const actor = context.actorOf(msg);
      if (topic === '' || topic === 'extract') {
        const messages = report(await extract(actor)).map((out) => ({ ...msg, ...out, _msgid: undefined }));
        if (messages.length > 0) send([messages as unknown as NodeMessage]);
      } else if (topic === 'watermark') {
        msg.payload = watermarkView(settings.name, await store.use((db) => findWatermark(db, settings.name)));
        send(msg);
      } else if (topic === 'reset-watermark') {
        const reason = typeof msg.reason === 'string' ? msg.reason : undefined;
        msg.payload = watermarkView(settings.name, await store.use((db) => resetWatermark(db, { extract: settings.name, actor, reason })));
        shown = ['status.reset', { actor }];
        context.status('ok', ...shown);
        send(msg);
      } else {
        throw new InvalidRequestError(text('errors.topic', { topic }));
      }
    },
    stop() {
      schedule?.stop();
    },
    release() {
      unwatchSource();
      unregisterFolder();
      source.deregister(node);
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<TableExtractDef, TableExtractConfig>(RED, {
    type: 'table-extract',
    uses: { store: (def) => def.store },
    configure,
    start,
  });
}

export = register;
