// A headless Node-RED runtime for the benchmark, in its own process: Node-RED embedded with RED.init and
// RED.start, no editor and no admin or node HTTP endpoints, its user directory a temp dir that holds
// the flow the benchmark wrote and this checkout linked in as an installed package. Started by
// bench/run.ts with fork(); driven over the IPC channel:
//   parent -> child: { type: 'reset' } zero the statement counter; { type: 'stats' } report it;
//                    { type: 'trigger', node } hand an empty message to a node; { type: 'stop' }
//   child -> parent: { type: 'ready' }; { type: 'stats', statements, byKind, heapPeak }; { type: 'complete', at, count }
// Bench-only instrumentation: database statements are counted from the knex 'query' event of the
// batch-store node's pool (one event per statement, BEGIN and COMMIT included); completions of one node
// (the core flow's http request node) are counted with an onComplete hook.
import http from 'node:http';
import path from 'node:path';
import type { BatchStoreNode } from '../lib/node-red/batch-store-node';

export interface RuntimeJob {
  userDir: string;
  /** Where the flows keep their files (bsyncDataDir). */
  dataDir: string;
  /** Id of the batch-store config node whose statements are counted. */
  storeNode?: string;
  /** Id of a node whose completed messages are counted; `complete` is reported at `expectCompletions`. */
  completionNode?: string;
  expectCompletions?: number;
}

type ParentMessage = { type: 'reset' } | { type: 'stats' } | { type: 'trigger'; node: string } | { type: 'stop' };

interface RuntimeApi {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): unknown };
  events: { once(event: string, listener: (...args: unknown[]) => void): void };
  hooks: { add(name: string, hook: (event: { node: { id: string }; msg?: { statusCode?: unknown } }) => void): void };
}

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

async function main(job: RuntimeJob): Promise<void> {
  // Resolved from this checkout: the same Node-RED the package's tests and `npm start` use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as RuntimeApi;
  const settings = {
    userDir: job.userDir,
    flowFile: path.join(job.userDir, 'flows.json'),
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    bsyncDataDir: job.dataDir,
    logging: { console: { level: process.env.BENCH_LOG_LEVEL ?? 'warn', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    functionExternalModules: false,
    contextStorage: { default: { module: 'memory' } },
  };

  let statements = 0;
  let byKind: Record<string, number> = {};
  let completions = 0;
  let failures = 0;
  if (job.completionNode) {
    const target = job.completionNode;
    RED.hooks.add('onComplete.bench', (event) => {
      if (event.node.id !== target) return;
      completions += 1;
      const status = Number(event.msg?.statusCode);
      if (!(status >= 200 && status < 300)) failures += 1;
      if (completions === job.expectCompletions) send({ type: 'complete', at: Date.now(), count: completions, failures });
    });
  }

  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  RED.init(http.createServer(), settings);
  await RED.start();
  await started;

  if (job.storeNode) {
    const node = RED.nodes.getNode(job.storeNode) as BatchStoreNode | null;
    if (!node) throw new Error(`the flow has no batch-store node ${job.storeNode}`);
    const store = await node.connection.get();
    store.knex.on('query', (query: { sql?: string }) => {
      statements += 1;
      const kind = (/^\s*(\w+)/.exec(query.sql ?? '')?.[1] ?? '?').toLowerCase();
      byKind[kind] = (byKind[kind] ?? 0) + 1;
    });
  }

  // Where the peak is: the largest V8 heap and off-heap (Buffers, native) figures seen since the last reset.
  let heapPeak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sampleHeap = () => {
    const usage = process.memoryUsage();
    heapPeak = {
      heapUsed: Math.max(heapPeak.heapUsed, usage.heapUsed),
      heapTotal: Math.max(heapPeak.heapTotal, usage.heapTotal),
      external: Math.max(heapPeak.external, usage.external),
      arrayBuffers: Math.max(heapPeak.arrayBuffers, usage.arrayBuffers),
    };
  };
  setInterval(sampleHeap, 250).unref();

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'reset':
        statements = 0;
        byKind = {};
        completions = 0;
        failures = 0;
        heapPeak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
        sampleHeap();
        send({ type: 'reset', heap: heapPeak });
        break;
      case 'stats':
        sampleHeap();
        send({ type: 'stats', statements, byKind, completions, heapPeak });
        break;
      case 'trigger': {
        const node = RED.nodes.getNode(message.node) as { receive(msg: object): void } | null;
        if (!node) send({ type: 'error', error: `no node ${message.node}` });
        else node.receive({});
        break;
      }
      case 'stop':
        RED.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
        break;
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main(JSON.parse(process.env.BENCH_JOB ?? '{}') as RuntimeJob).catch((error) => {
  send({ type: 'error', error: String(error?.stack ?? error) });
  setTimeout(() => process.exit(1), 100);
});
