import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { describeError } from '../errors';
import { apiEndpointOf, type ApiEndpointNode } from './api-endpoint-node';
import { batchStoreOf, type BatchStoreNode } from './batch-store-node';
import { catalogText, type TextParams } from './catalog';
import { closeBudget } from './close-budget';
import { ConfigError } from './config-error';
import { showStatus, type StatusLevel } from './status';

export type Send = (msg: NodeMessage | Array<NodeMessage | null>) => void;

/** What a node's controller is given: its config, the config nodes it uses, and the toolkit's services. */
export interface FlowNodeContext<Config> {
  readonly RED: NodeAPI;
  readonly node: Node;
  readonly config: Config;
  /** Present when the node declared `uses.store` and the store exists. */
  readonly store: BatchStoreNode;
  readonly endpoint: ApiEndpointNode;
  /** Aborted when the node starts closing: take no new work, let what runs finish. */
  readonly closing: AbortSignal;
  /** Aborted when the close time is nearly used up: cut what still runs (e.g. requests in flight). */
  readonly cancelled: AbortSignal;
  /** A text of the node's catalog (`<type>.…`) or of the shared one (`common.…`). */
  text(key: string, params?: TextParams): string;
  /** Shows a catalog text under the node. */
  status(level: StatusLevel, key: string, params?: TextParams): void;
  /** Shows a text that is already in plain words (a lib error's message, a downstream's answer). */
  statusText(level: StatusLevel, text: string): void;
  /** Work not started by an input message (a poll, a scheduled run): close waits for it as for inputs. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Who asked for an action in a message: `msg.user` when the flow set it, else this node. */
  actorOf(msg: NodeMessage): string;
}

/** The node's behaviour, made once its config is read: what it does on input, when ready, on close. */
export interface FlowNodeController {
  /** The status to show when the node can work (on start, and whenever the database is back). */
  showReady?(): void;
  /** One input message; resolves when it is handled (done), rejects for a Catch node (done(err)). */
  input(msg: NodeMessageInFlow, send: Send): Promise<void>;
  /** Stops what the node started by itself (a schedule, a poller), before the toolkit waits for its work. */
  stop?(): void | Promise<void>;
  /** Lets go of what else it holds (another config node), once its work has settled. */
  release?(): void;
}

export interface FlowNodeSpec<Def extends NodeDef, Config> {
  type: string;
  /** The config nodes the node needs, by the id its settings hold (false: this node's settings need none). */
  uses?: { store?: (def: Def) => string | undefined | false; endpoint?: (def: Def) => string | undefined };
  /** Reads and checks the settings; throws (ConfigError, or any error) when they cannot work. */
  configure(def: Def, RED: NodeAPI, node: Node): Config;
  start(context: FlowNodeContext<Config>): FlowNodeController;
  /** Registration options: credentials, settings exported to the editor. */
  options?: Record<string, unknown>;
}

/**
 * The one way our flow nodes are built. The toolkit creates the node, reads its config (a config error is
 * on the status and ends every input with done(err)), registers it with the config nodes it uses (so they
 * close only after it), mirrors the database's state on its status, runs each input as tracked work, and
 * on close stops taking input, lets the work under way finish within Node-RED's close timeout (cutting it
 * when time is nearly up), and only then lets go of its config nodes.
 */
export function registerFlowNode<Def extends NodeDef, Config>(RED: NodeAPI, spec: FlowNodeSpec<Def, Config>): void {
  function FlowNode(this: Node, def: Def) {
    RED.nodes.createNode(this, def);
    const node = this;
    const closing = new AbortController();
    const cancelled = new AbortController();
    const running = new Set<Promise<unknown>>();
    const release: Array<() => void> = [];
    // A ConfigError names its text with the node's prefix (`row-processor.errors.lease`); statuses without it.
    const text = (key: string, params?: TextParams) =>
      catalogText(RED, key.startsWith('common.') || key.startsWith(`${spec.type}.`) ? key : `${spec.type}.${key}`, params);

    const track = <T>(work: Promise<T>): Promise<T> => {
      running.add(work);
      const forget = () => running.delete(work);
      work.then(forget, forget);
      return work;
    };

    let controller: FlowNodeController | undefined;
    let configProblem: Error | undefined;
    try {
      const storeId = spec.uses?.store ? spec.uses.store(def) : false;
      const store = storeId === false ? undefined : requiredConfigNode(batchStoreOf(RED, storeId), 'common.errors.noStore');
      const endpoint = spec.uses?.endpoint ? requiredEndpoint(apiEndpointOf(RED, spec.uses.endpoint(def))) : undefined;
      const config = spec.configure(def, RED, node);
      for (const used of [store, endpoint]) {
        if (!used) continue;
        used.register(node);
        release.push(() => used.deregister(node));
      }
      controller = spec.start({
        RED,
        node,
        config,
        store: store as BatchStoreNode,
        endpoint: endpoint as ApiEndpointNode,
        closing: closing.signal,
        cancelled: cancelled.signal,
        text,
        status: (level, key, params) => showStatus(node, level, text(key, params)),
        statusText: (level, statusText) => showStatus(node, level, statusText),
        track,
        actorOf: (msg) => actorOf(node, msg),
      });
      if (store) {
        release.unshift(
          store.watch((state, reason) => {
            if (closing.signal.aborted) return;
            if (state === 'ready') controller?.showReady?.();
            else if (state === 'connecting') showStatus(node, 'warn', text('common.status.connecting'));
            else if (state === 'unavailable') showStatus(node, 'error', text('common.status.unavailable', { reason }));
          }),
        );
      } else {
        controller.showReady?.();
      }
    } catch (error) {
      configProblem = asConfigProblem(error, text);
      showStatus(node, 'error', configProblem.message);
      node.error(configProblem.message);
    }

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: (error?: Error) => void) => {
      if (configProblem || !controller) return failMessage(node, done, configProblem ?? new Error(text('common.errors.notConfigured')), msg);
      if (closing.signal.aborted) return failMessage(node, done, new Error(text('common.errors.closing')), msg);
      track(controller.input(msg, send)).then(
        () => done(),
        (error: unknown) => failMessage(node, done, error, msg),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closing.abort();
      const budget = closeBudget(RED);
      (async () => {
        await controller?.stop?.();
        if (!(await settledWithin(running, budget.drainMs))) {
          cancelled.abort();
          await settledWithin(running, budget.cancelMs);
        }
      })()
        .catch((error: unknown) => node.error(describeError(error)))
        .finally(() => {
          controller?.release?.();
          for (const letGo of release) letGo();
          done();
        });
    });
  }

  RED.nodes.registerType(spec.type, FlowNode as never, spec.options as never);
}

function requiredConfigNode<T>(configNode: T | undefined, missingKey: string): T {
  if (!configNode) throw new ConfigError(missingKey);
  return configNode;
}

function requiredEndpoint(endpoint: ApiEndpointNode | undefined): ApiEndpointNode {
  const found = requiredConfigNode(endpoint, 'common.errors.noEndpoint');
  if (!found.client) throw new ConfigError('common.errors.endpointUnusable', { reason: found.configError ?? '' });
  return found;
}

function asConfigProblem(error: unknown, text: (key: string, params?: TextParams) => string): Error {
  const reason = error instanceof ConfigError ? text(error.textKey, error.params) : describeError(error);
  return new ConfigError('common.errors.invalidConfig', { reason }, text('common.errors.invalidConfig', { reason }));
}

/** Waits for the work to settle, at most `timeoutMs`; true when everything settled in time. */
async function settledWithin(running: Set<Promise<unknown>>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (running.size > 0) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), left);
    });
    const result = await Promise.race([Promise.allSettled([...running]).then(() => 'settled' as const), timeout]);
    clearTimeout(timer);
    if (result === 'timeout') return running.size === 0;
  }
  return true;
}

/**
 * The one error path of our flow nodes: the reason on the node status and the whole error to
 * `done(err)`, so a Catch node gets it with the message that caused it.
 */
function failMessage(node: Node, done: (error?: Error) => void, error: unknown, msg?: NodeMessage): void {
  const reason = describeError(error);
  // A refusal the node already showed in its own words (a duplicate file: yellow, not red) keeps that status.
  if (!(error as { statusShown?: boolean } | undefined)?.statusShown) showStatus(node, 'error', reason);
  if (msg) (msg as NodeMessage & { error?: unknown }).error = { message: reason, code: (error as { code?: string })?.code };
  done(error instanceof Error ? error : new Error(reason));
}

/** Who asked for an admin action: `msg.user` when the flow sets it, else the node itself. */
export function actorOf(node: Node, msg: NodeMessage): string {
  const user = (msg as NodeMessage & { user?: unknown }).user;
  if (typeof user === 'string' && user.trim()) return user.trim();
  if (user && typeof user === 'object' && typeof (user as { username?: unknown }).username === 'string') {
    return (user as { username: string }).username;
  }
  return `node:${node.type}:${node.name || node.id}`;
}
