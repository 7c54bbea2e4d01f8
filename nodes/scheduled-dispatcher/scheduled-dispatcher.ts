import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DatabaseUnavailableError, describeError } from '../../lib/errors';
import { claimedBatchMessage, claimedErrorPayloadMessage, controlView, isoTime } from '../../lib/messages';
import { readNumbers } from '../../lib/node-red/config-values';
import { DISPATCHER_RULES } from '../../lib/node-red/field-rules';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import {
  RunGuard,
  clockTime,
  createSchedule,
  dispatchRun,
  readDispatcherConfig,
  runtimeId,
  throttleRequest,
  validateCron,
  type DispatchRunResult,
  type DispatcherConfig,
  type RawDispatcherConfig,
  type Schedule,
} from '../../lib/schedule';
import { countInFlight, ensureControl, setPaused, setThrottle, type ControlRow, type Store } from '../../lib/store';
import { dispatcherRegistry } from '../../lib/admin/dispatcher-registry';
import { throttleText } from '../../lib/schedule/throttle-text';

interface ScheduledDispatcherDef extends NodeDef, RawDispatcherConfig {
  store: string;
}

/** Topics that are admin actions; any other message means "run now". */
const ADMIN_TOPICS = new Set(['pause', 'resume', 'throttle', 'status']);

/** One message per claimed request, in claim order: what a row-processor takes as its input. */
function claimedMessages(run: DispatchRunResult): NodeMessage[] {
  return (run.mode === 'batches' ? run.claimed.map(claimedBatchMessage) : run.claimed.map(claimedErrorPayloadMessage)) as unknown as NodeMessage[];
}

function configure(def: ScheduledDispatcherDef): DispatcherConfig {
  // The numbers are checked by the rules the dialog uses too; then the lib reads the rest.
  readNumbers(def as unknown as Record<string, unknown>, DISPATCHER_RULES);
  return readDispatcherConfig(def);
}

function start(context: FlowNodeContext<DispatcherConfig>) {
  const { store, config, node } = context;
  const owner = runtimeId(node.id);
  const defaults = { fetchSize: config.fetchSize, maxInFlight: config.maxInFlight };
  const guard = new RunGuard();
  const cronProblem = validateCron(config.cron, config.timezone);

  const useStore = <T>(work: (db: Store) => Promise<T>) => store.use(work);
  const control = () => useStore((db) => ensureControl(db, config.dispatcher, defaults));
  const inFlight = () => useStore((db) => countInFlight(db, { source: config.mode, groupType: config.groupType, groupId: config.groupId }));

  const showControl = (row: ControlRow, count: number) => {
    if (context.closing.aborted) return;
    if (cronProblem && !row.paused) return context.statusText('error', cronProblem);
    // The throttle in force, when an admin changed it since the deploy (for every runtime sharing it).
    const throttle = throttleText(row, defaults);
    if (row.paused) return context.statusText('warn', context.text('status.paused', { inFlight: count }) + throttle);
    const next = schedule?.nextRun() ?? null;
    if (!next) return context.statusText('ok', context.text('status.noNextRun', { inFlight: count }) + throttle);
    context.statusText('ok', context.text('status.nextRun', { time: clockTime(next, config.timezone), inFlight: count }) + throttle);
  };
  const refreshStatus = async () => {
    const [row, count] = await Promise.all([control(), inFlight()]);
    showControl(row, count);
  };
  // The database being down is on the status already (the toolkit shows it); other failures are worth a log line.
  const report = (error: unknown) => {
    if (context.closing.aborted || error instanceof DatabaseUnavailableError) return;
    node.error(error);
    context.statusText('error', describeError(error));
  };

  /** One run; each claimed request goes out at once, without waiting for anything downstream. */
  const run = async (send: Send) => {
    const result = await useStore((db) =>
      dispatchRun(db, { mode: config.mode, dispatcher: config.dispatcher, owner, leaseMs: config.leaseMs, groupType: config.groupType, groupId: config.groupId, defaults }),
    );
    for (const message of claimedMessages(result)) send([message, null]);
    // What was claimed is sent: a failing status query must not turn this run into a failure.
    await inFlight().then((count) => showControl(result.control, count), () => undefined);
  };

  const schedule: Schedule | undefined = cronProblem
    ? undefined
    : createSchedule(
        config.cron,
        config.timezone,
        () => {
          if (context.closing.aborted) return;
          const running = guard.tryRun(() => run((msg) => node.send(msg as NodeMessage)));
          if (running) context.track(running).catch(report);
        },
        report,
      );

  // What the admin routes (the batch sync sidebar) need of this node, and how they refresh its status.
  const unregister = dispatcherRegistry().register({
    nodeId: node.id,
    nodeName: node.name || config.dispatcher,
    storeId: store.id,
    dispatcher: config.dispatcher,
    mode: config.mode,
    groupType: config.groupType,
    groupId: config.groupId,
    startingFetchSize: config.fetchSize,
    startingMaxInFlight: config.maxInFlight,
    nextRun: () => schedule?.nextRun() ?? null,
    inFlight,
    refreshStatus: () => {
      refreshStatus().catch(report);
    },
  });

  const admin = async (msg: NodeMessageInFlow, send: Send) => {
    const actor = context.actorOf(msg);
    await control();
    let answer: unknown;
    if (msg.topic === 'pause' || msg.topic === 'resume') {
      answer = controlView(await useStore((db) => setPaused(db, config.dispatcher, msg.topic === 'pause', actor)));
    } else if (msg.topic === 'throttle') {
      const throttle = throttleRequest(msg.payload);
      answer = controlView(await useStore((db) => setThrottle(db, config.dispatcher, throttle, actor)));
    } else {
      const [row, count] = await Promise.all([control(), inFlight()]);
      const next = schedule?.nextRun() ?? null;
      answer = { ...controlView(row), inFlight: count, nextRun: isoTime(next?.getTime()), running: guard.busy, runtime: owner };
    }
    msg.payload = answer;
    send([null, msg as NodeMessage]);
    refreshStatus().catch(() => undefined);
  };

  return {
    // On deploy and whenever the database comes back: create the control row if needed, show the state.
    showReady() {
      if (cronProblem) context.statusText('error', cronProblem);
      refreshStatus().catch(report);
    },
    async input(msg: NodeMessageInFlow, send: Send) {
      if (typeof msg.topic === 'string' && ADMIN_TOPICS.has(msg.topic)) return admin(msg, send);
      // A run in progress already claims what is due: this request is answered by it.
      await guard.tryRun(() => run(send));
    },
    async stop() {
      unregister();
      schedule?.stop();
      await guard.idle();
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<ScheduledDispatcherDef, DispatcherConfig>(RED, {
    type: 'scheduled-dispatcher',
    uses: { store: (def) => def.store },
    configure,
    start,
    options: { settings: { scheduledDispatcherFieldRules: { value: DISPATCHER_RULES, exportable: true } } },
  });
}

export = register;
