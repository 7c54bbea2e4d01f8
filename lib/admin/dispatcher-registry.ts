// The scheduled-dispatchers running in this process, for the admin routes: what the store cannot say (the
// next run of the node's cron job, the values it started from) and a way to show a change on the canvas at
// once. Kept on globalThis: the node files and the sidebar plugin are loaded separately by Node-RED, and
// both must see the one registry of the process.

export interface RegisteredDispatcher {
  nodeId: string;
  nodeName: string;
  /** The batch-store config node it claims from. */
  storeId: string;
  /** Its bsync_control row (see dispatcherKey). */
  dispatcher: string;
  mode: 'batches' | 'errors';
  groupType?: string;
  groupId?: string;
  /** The node's configured values, which an admin's throttle overrides. */
  startingFetchSize: number;
  startingMaxInFlight: number;
  nextRun(): Date | null;
  inFlight(): Promise<number>;
  /** Shows the control row's current values on the node status, after an admin changed them. */
  refreshStatus(): void;
}

export interface DispatcherRegistry {
  register(dispatcher: RegisteredDispatcher): () => void;
  /** Those of one store, in registration order. */
  ofStore(storeId: string): RegisteredDispatcher[];
  /** Tells the nodes following a control row that it changed. */
  changed(storeId: string, dispatcher: string): void;
}

function createRegistry(): DispatcherRegistry {
  const entries = new Map<string, RegisteredDispatcher>();
  return {
    register(dispatcher) {
      entries.set(dispatcher.nodeId, dispatcher);
      return () => {
        if (entries.get(dispatcher.nodeId) === dispatcher) entries.delete(dispatcher.nodeId);
      };
    },
    ofStore(storeId) {
      return [...entries.values()].filter((entry) => entry.storeId === storeId);
    },
    changed(storeId, dispatcher) {
      for (const entry of entries.values()) if (entry.storeId === storeId && entry.dispatcher === dispatcher) entry.refreshStatus();
    },
  };
}

const KEY = Symbol.for('@bsync/node-red-batch-sync:dispatcher-registry');

/** The one registry of this process. */
export function dispatcherRegistry(): DispatcherRegistry {
  const holder = globalThis as unknown as Record<symbol, DispatcherRegistry | undefined>;
  return (holder[KEY] ??= createRegistry());
}
