import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { InvalidRequestError, describeError } from '../../lib/errors';
import { parseExtractSettings, runExtract, type ExtractRun, type ExtractSettings } from '../../lib/extract';
import { batchStoreOf } from '../../lib/node-red/batch-store-node';
import { actorOf, failMessage } from '../../lib/node-red/fail-message';
import { resolveFolder } from '../../lib/node-red/folders';
import { showStatus } from '../../lib/node-red/status';
import { groupLabel, parkedBatchView } from '../../lib/parking';
import { createSchedule, validateCron, type Schedule } from '../../lib/schedule';
import { findWatermark, resetWatermark, type WatermarkRow } from '../../lib/store';
import { sourceDatabaseOf } from '../source-database/source-database-node';

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

type ExtractMessage = NodeMessageInFlow & { reason?: unknown };

/** The watermark as a flow or an admin sees it, in the camelCase of msg properties. */
function watermarkView(extract: string, row: WatermarkRow | undefined) {
  return {
    extract,
    columns: row?.columns ?? null,
    value: row?.value ?? null,
    batchId: row?.batch_id ?? null,
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

function settingsOf(RED: NodeAPI, def: TableExtractDef): ExtractSettings {
  const table = def.readFrom === 'query' ? undefined : def.table;
  return parseExtractSettings({
    name: def.extract,
    table,
    columns: def.readFrom === 'query' ? undefined : def.columns,
    query: def.readFrom === 'query' ? def.query : undefined,
    mode: def.mode || 'incremental',
    keyColumns: def.keyColumns ?? '',
    lookbackSeconds: def.lookbackSeconds,
    rowsPerBatch: def.rowsPerBatch,
    pageSize: def.pageSize,
    groupType: def.groupType,
    groupId: def.groupId,
    folder: def.folder ? resolveFolder(RED, def.folder) : '',
  });
}

function register(RED: NodeAPI): void {
  function TableExtract(this: Node, def: TableExtractDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const store = batchStoreOf(RED, def.store);
    const source = sourceDatabaseOf(RED, def.source);
    let settings: ExtractSettings | undefined;
    let configError: Error | undefined;
    try {
      settings = settingsOf(RED, def);
      if (def.cron?.trim()) {
        const problem = validateCron(def.cron, def.timezone);
        if (problem) throw new InvalidRequestError(problem);
      }
    } catch (error) {
      configError = error as Error;
    }
    let lastText = 'ready';
    let running = false;

    if (configError) {
      showStatus(node, 'error', configError.message);
      node.error(configError.message);
    } else if (!store) {
      showStatus(node, 'error', 'no batch-store configured');
    } else if (!source) {
      showStatus(node, 'error', 'no source-database configured');
    } else {
      // One status for both connections: a database that is down wins over the last run's text.
      let storeState = { state: 'connecting', reason: '' };
      let sourceState = { state: 'connecting', reason: '' };
      const render = () => {
        if (sourceState.state === 'unavailable') showStatus(node, 'error', `source unavailable: ${sourceState.reason}`);
        else if (storeState.state === 'unavailable') showStatus(node, 'error', `database unavailable: ${storeState.reason}`);
        else if (sourceState.state === 'connecting') showStatus(node, 'warn', 'connecting to the source');
        else if (storeState.state === 'connecting') showStatus(node, 'warn', 'connecting to the database');
        else showStatus(node, 'ok', lastText);
      };
      const unwatchStore = store.watch((state, reason) => {
        storeState = { state, reason };
        render();
      });
      const unwatchSource = source.watch((state, reason) => {
        sourceState = { state, reason };
        render();
      });
      node.on('close', () => {
        unwatchStore();
        unwatchSource();
      });
    }

    async function extract(actor: string): Promise<ExtractRun> {
      if (running) throw new InvalidRequestError(`extract "${settings!.name}" is already running: this run was not started`);
      running = true;
      showStatus(node, 'busy', 'extracting');
      try {
        // The store is taken as it is now rather than through use(): a source failure inside is the source's.
        const batchStore = await store!.connection.get();
        return await source!.use((db) => runExtract({ source: db, store: batchStore, actor }, settings!));
      } finally {
        running = false;
      }
    }

    function report(run: ExtractRun): NodeMessage[] {
      lastText = run.batches.length === 0
        ? `no changes (${new Date().toISOString().slice(11, 19)})`
        : `parked ${run.rows} rows in ${run.batches.length} batch${run.batches.length === 1 ? '' : 'es'} (${groupLabel(run.batches[0])})`;
      showStatus(node, 'ok', lastText);
      return run.batches.map((batch, index) => ({
        topic: 'extract',
        payload: { ...parkedBatchView(batch), format: batch.format, rows: run.batchRows[index] },
        batch,
        extract: { name: settings!.name, rows: run.rows, watermark: run.watermark },
      }) as NodeMessage);
    }

    let schedule: Schedule | undefined;
    if (!configError && store && source && def.cron?.trim()) {
      const actor = `node:table-extract:${node.name || node.id}`;
      schedule = createSchedule(
        def.cron,
        def.timezone,
        async () => {
          if (running) return;
          try {
            for (const msg of report(await extract(actor))) node.send(msg);
          } catch (error) {
            showStatus(node, 'error', describeError(error));
            node.error(describeError(error), { payload: { extract: settings!.name }, error: { message: describeError(error) } } as NodeMessage);
          }
        },
        (error) => node.error(describeError(error)),
      );
      node.on('close', () => schedule?.stop());
    }

    node.on('input', (incoming: NodeMessageInFlow, send: (msg: NodeMessage | NodeMessage[][]) => void, done: (error?: Error) => void) => {
      const msg = incoming as ExtractMessage;
      if (configError) return failMessage(node, done, configError, msg);
      if (!store) return failMessage(node, done, new InvalidRequestError('no batch-store configured: choose one in the table-extract node'), msg);
      if (!source) return failMessage(node, done, new InvalidRequestError('no source-database configured: choose one in the table-extract node'), msg);
      const topic = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      const actor = actorOf(node, msg);
      const name = settings!.name;

      let work: Promise<void>;
      if (topic === '' || topic === 'extract') {
        work = extract(actor).then((run) => {
          const messages = report(run).map((out) => ({ ...msg, ...out, _msgid: undefined }));
          if (messages.length > 0) send([messages as NodeMessage[]]);
        });
      } else if (topic === 'watermark') {
        work = store.use((db) => findWatermark(db, name)).then((row) => {
          msg.payload = watermarkView(name, row);
          send(msg);
        });
      } else if (topic === 'reset-watermark') {
        const reason = typeof msg.reason === 'string' ? msg.reason : undefined;
        work = store.use((db) => resetWatermark(db, { extract: name, actor, reason })).then((row) => {
          msg.payload = watermarkView(name, row);
          lastText = `watermark reset by ${actor}`;
          showStatus(node, 'ok', lastText);
          send(msg);
        });
      } else {
        return failMessage(node, done, new InvalidRequestError(`topic "${topic}" is not an action of table-extract: use extract (or none), watermark or reset-watermark`), msg);
      }
      work.then(
        () => done(),
        (error: unknown) => failMessage(node, done, error, msg),
      );
    });
  }

  RED.nodes.registerType('table-extract', TableExtract as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

export = register;
