import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { batchStoreOf, watchStore } from '../../lib/node-red/batch-store-node';
import { actorOf, failMessage } from '../../lib/node-red/fail-message';
import { showStatus } from '../../lib/node-red/status';
import { compileGroupPattern, groupLabel, parkedBatchView, parkRequest, runAdminAction, type AdminResult, type ParkingRules } from '../../lib/parking';
import { InvalidRequestError } from '../../lib/errors';
import type { BatchRow } from '../../lib/store';

interface ParkingLotDef extends NodeDef {
  store: string;
  groupType: string;
  groupId: string;
  groupPattern: string;
  parkingMinutes: string | number;
  priority: string | number;
}

type ParkingLotMessage = NodeMessageInFlow & {
  groupType?: unknown;
  groupId?: unknown;
  priority?: unknown;
  contentType?: unknown;
  batch?: BatchRow;
};

/** The node's configuration as parking rules; a mistake in it is reported on every message until fixed. */
function rulesOf(def: ParkingLotDef): ParkingRules {
  return {
    groupType: def.groupType?.trim() || undefined,
    groupId: def.groupId?.trim() || undefined,
    groupPattern: def.groupPattern?.trim() ? compileGroupPattern(def.groupPattern.trim()) : undefined,
    parkingMinutes: Number(def.parkingMinutes) || 0,
    priority: Number(def.priority) || 0,
  };
}

function describeAdminResult(action: string, result: AdminResult): string {
  if ('batches' in result) return `listed ${result.batches.length} of ${result.total} batches`;
  if ('byStatus' in result) return `${result.total} batches`;
  if ('events' in result) return `batch ${result.batch.id}: ${result.batch.status}`;
  return `${action === 'retry' ? 'retried' : 'cancelled'} batch ${result.id} (${groupLabel(result)})`;
}

function register(RED: NodeAPI): void {
  function ParkingLot(this: Node, def: ParkingLotDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const store = batchStoreOf(RED, def.store);
    let rules: ParkingRules | undefined;
    let configError: Error | undefined;
    try {
      rules = rulesOf(def);
    } catch (error) {
      configError = error as Error;
    }
    let lastText = 'ready';

    if (configError) {
      showStatus(node, 'error', configError.message);
      node.error(configError.message);
    } else if (!store) {
      showStatus(node, 'error', 'no batch-store configured');
    } else {
      const unwatch = watchStore(node, store, () => showStatus(node, 'ok', lastText));
      node.on('close', unwatch);
    }

    node.on('input', (incoming: NodeMessageInFlow, send: (msg: NodeMessage) => void, done: (error?: Error) => void) => {
      const msg = incoming as ParkingLotMessage;
      if (configError) return failMessage(node, done, configError, msg);
      if (!store) return failMessage(node, done, new InvalidRequestError('no batch-store configured: choose one in the parking-lot node'), msg);
      const action = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      const actor = actorOf(node, msg);

      const work =
        action === '' || action === 'park'
          ? store.use((db) =>
              parkRequest(
                db,
                {
                  payload: msg.payload,
                  groupType: msg.groupType,
                  groupId: msg.groupId,
                  priority: msg.priority,
                  contentType: msg.contentType,
                  parentBatchId: msg.parentBatchId,
                  actor,
                },
                rules,
              ),
            ).then((batch) => {
              msg.payload = parkedBatchView(batch);
              msg.batch = batch;
              lastText = `parked batch ${batch.id} (${groupLabel(batch)})`;
            })
          : store.use((db) => runAdminAction(db, { action, payload: msg.payload, actor })).then((result) => {
              msg.payload = result;
              lastText = describeAdminResult(action, result);
            });

      work.then(
        () => {
          showStatus(node, 'ok', lastText);
          send(msg);
          done();
        },
        (error: unknown) => failMessage(node, done, error, msg),
      );
    });
  }

  RED.nodes.registerType('parking-lot', ParkingLot as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
}

export = register;
