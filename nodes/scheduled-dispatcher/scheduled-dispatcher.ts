import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { DatabaseUnavailableError, describeError } from '../../lib/errors';
import { batchStoreOf, watchStore, type BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { actorOf, failMessage } from '../../lib/node-red/fail-message';
import { showStatus } from '../../lib/node-red/status';
import {
  RunGuard,
  claimedMessages,
  createSchedule,
  dispatchRun,
  readDispatcherConfig,
  runtimeId,
  statusText,
  throttleRequest,
  validateCron,
  type DispatcherConfig,
  type RawDispatcherConfig,
  type Schedule,
} from '../../lib/schedule';
import { countInFlight, ensureControl, setPaused, setThrottle, type ControlRow, type Store } from '../../lib/store';
// batch sync sidebar (issue 12): the admin routes see this dispatcher; the status shows the throttle in force.
import { dispatcherRegistry } from '../../lib/admin/dispatcher-registry';
import { throttleText } from '../../lib/schedule/throttle-text';

interface ScheduledDispatcherDef extends NodeDef, RawDispatcherConfig {
  store: string;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (error?: Error) => void;

/** Topics that are admin actions; any other message means "run now". */
const ADMIN_TOPICS = new Set(['pause', 'resume', 'throttle', 'status']);

function register(RED: NodeAPI): void {
  function ScheduledDispatcher(this: Node, def: ScheduledDispatcherDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const store = batchStoreOf(RED, def.store);
    let config: DispatcherConfig;
    try {
      if (!store) throw new Error('no batch store configured: pick one in the node settings');
      config = readDispatcherConfig(def);
    } catch (error) {
      showStatus(node, 'error', describeError(error));
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(error as Error));
      return;
    }
    const batchStore: BatchStoreNode = store!;
    const owner = runtimeId(node.id);
    const defaults = { fetchSize: config.fetchSize, maxInFlight: config.maxInFlight };
    const guard = new RunGuard();
    const cronProblem = validateCron(config.cron, config.timezone);
    let closed = false;

    const useStore = <T>(work: (db: Store) => Promise<T>) => batchStore.use(work);
    const control = () => useStore((db) => ensureControl(db, config.dispatcher, defaults));
    const inFlight = () => useStore((db) => countInFlight(db, { source: config.mode, groupType: config.groupType, groupId: config.groupId }));

    const showControl = (row: ControlRow, count: number) => {
      if (closed) return;
      if (cronProblem && !row.paused) showStatus(node, 'error', cronProblem);
      // batch sync sidebar (issue 12): the throttle in force, which an admin may have changed since the deploy.
      else showStatus(node, row.paused ? 'warn' : 'ok', `${statusText({ paused: Boolean(row.paused), nextRun: schedule?.nextRun() ?? null, inFlight: count, timezone: config.timezone })}${throttleText(row, defaults)}`);
    };
    const refreshStatus = async () => {
      const [row, count] = await Promise.all([control(), inFlight()]);
      showControl(row, count);
    };
    // The database being down is on the status already (watchStore); other failures are worth a log line.
    const report = (error: unknown) => {
      if (closed || error instanceof DatabaseUnavailableError) return;
      node.error(error);
      showStatus(node, 'error', describeError(error));
    };

    /** One run; each claimed request goes out at once, without waiting for anything downstream. */
    const run = async (send: Send) => {
      const result = await useStore((db) =>
        dispatchRun(db, { mode: config.mode, dispatcher: config.dispatcher, owner, leaseMs: config.leaseMs, groupType: config.groupType, groupId: config.groupId, defaults }),
      );
      for (const message of claimedMessages(result)) send([message as NodeMessage, null]);
      // What was claimed is sent: a failing status query must not turn this run into a failure.
      await inFlight().then((count) => showControl(result.control, count), () => undefined);
    };

    const schedule: Schedule | undefined = cronProblem
      ? undefined
      : createSchedule(config.cron, config.timezone, () => guard.tryRun(() => run((msg) => node.send(msg)))?.catch(report), report);
    if (cronProblem) showStatus(node, 'error', cronProblem);

    // batch sync sidebar (issue 12): what the admin routes need of this node, and how they refresh its status.
    const unregister = dispatcherRegistry().register({
      nodeId: node.id,
      nodeName: node.name || config.dispatcher,
      storeId: def.store,
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

    // On deploy and whenever the database comes back: create the control row if needed, show the state.
    const unwatch = watchStore(node, batchStore, () => {
      refreshStatus().catch(report);
    });

    const reply = (msg: NodeMessageInFlow, payload: unknown, send: Send, done: Done) => {
      msg.payload = payload;
      send([null, msg]);
      refreshStatus().catch(() => undefined);
      done();
    };

    const admin = async (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const actor = actorOf(node, msg);
      await control();
      if (msg.topic === 'pause' || msg.topic === 'resume') {
        const row = await useStore((db) => setPaused(db, config.dispatcher, msg.topic === 'pause', actor));
        reply(msg, row, send, done);
      } else if (msg.topic === 'throttle') {
        const throttle = throttleRequest(msg.payload);
        const row = await useStore((db) => setThrottle(db, config.dispatcher, throttle, actor));
        reply(msg, row, send, done);
      } else {
        const [row, count] = await Promise.all([control(), inFlight()]);
        const next = schedule?.nextRun() ?? null;
        reply(msg, { ...row, in_flight: count, next_run: next ? next.getTime() : null, running: guard.busy, runtime: owner }, send, done);
      }
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (typeof msg.topic === 'string' && ADMIN_TOPICS.has(msg.topic)) {
        admin(msg, send, done).catch((error) => failMessage(node, done, error, msg));
        return;
      }
      // A run in progress already claims what is due: this request is answered by it.
      const running = guard.tryRun(() => run(send));
      if (!running) return done();
      running.then(() => done(), (error) => failMessage(node, done, error, msg));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      unregister(); // batch sync sidebar (issue 12)
      schedule?.stop();
      unwatch();
      guard.idle().then(() => done());
    });
  }

  RED.nodes.registerType('scheduled-dispatcher', ScheduledDispatcher as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

export = register;
