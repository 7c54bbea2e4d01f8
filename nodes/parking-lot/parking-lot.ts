import type { NodeAPI, NodeMessageInFlow } from 'node-red';
import { batchView, eventView, TOPICS } from '../../lib/messages';
import { readNumbers, resolveFolder } from '../../lib/node-red/config-values';
import { PARKING_LOT_RULES } from '../../lib/node-red/field-rules';
import { registerFlowNode, type FlowNodeContext, type Send } from '../../lib/node-red/flow-node';
import { compileGroupPattern, groupLabel, parkRequest, type ParkingRules } from '../../lib/parking';
import { resendView } from '../../lib/resend';
import { runAdminAction, type AdminResult } from './actions';
import type { NodeDef } from 'node-red';

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
  parentBatchId?: unknown;
  batch?: unknown;
};

/** The node's configuration as parking rules; a mistake in it is reported on every message until fixed. */
function rulesOf(def: ParkingLotDef): ParkingRules {
  const numbers = readNumbers(def as unknown as Record<string, unknown>, PARKING_LOT_RULES);
  return {
    groupType: def.groupType?.trim() || undefined,
    groupId: def.groupId?.trim() || undefined,
    groupPattern: def.groupPattern?.trim() ? compileGroupPattern(def.groupPattern.trim()) : undefined,
    parkingMinutes: numbers.parkingMinutes,
    priority: numbers.priority,
  };
}

/** Admin answers leave the node as views (camelCase, ISO times), not as database rows. */
function adminResultView(result: AdminResult): unknown {
  if ('resent' in result) return resendView(result);
  if ('batches' in result) return { ...result, batches: result.batches.map(batchView) };
  if ('byStatus' in result) return result;
  if ('events' in result) return { batch: batchView(result.batch), events: result.events.map(eventView) };
  return batchView(result);
}

/** The rules, and where a resend writes its replay files: the processing folder row-processors read from. */
type ParkingLotConfig = ParkingRules & { processingFolder: string };

function start(context: FlowNodeContext<ParkingLotConfig>) {
  const { store, config: rules } = context;
  let shown: { key: string; params?: Record<string, string | number> } = { key: 'status.ready' };
  const show = (key: string, params?: Record<string, string | number>) => {
    shown = { key, params };
    context.status('ok', key, params);
  };

  function describeAdminResult(action: string, result: AdminResult): void {
    if ('resent' in result) {
      const rows = result.resent.reduce((sum, resent) => sum + resent.rows, 0);
      show('status.resent', { rows, batches: result.resent.length, refused: result.refused.length });
    } else if ('batches' in result) show('status.listed', { count: result.batches.length, total: result.total });
    else if ('byStatus' in result) show('status.stats', { total: result.total });
    else if ('events' in result) show('status.got', { id: result.batch.id, status: result.batch.status });
    else show(action === 'retry' ? 'status.retried' : 'status.cancelled', { id: result.id, group: groupLabel(result) });
  }

  return {
    showReady: () => context.status('ok', shown.key, shown.params),
    async input(incoming: NodeMessageInFlow, send: Send) {
      const msg = incoming as ParkingLotMessage;
      const action = typeof msg.topic === 'string' ? msg.topic.trim() : '';
      const actor = context.actorOf(msg);
      // A file-persister's hand-over says `file`; anything else but `park` names an admin action.
      if (action === '' || action === 'park' || action === TOPICS.file) {
        const batch = await store.use((db) =>
          parkRequest(
            db,
            { payload: msg.payload, groupType: msg.groupType, groupId: msg.groupId, priority: msg.priority, contentType: msg.contentType, parentBatchId: msg.parentBatchId, actor },
            rules,
          ),
        );
        msg.payload = batchView(batch);
        show('status.parked', { id: batch.id, group: groupLabel(batch) });
      } else {
        const result = await store.use((db) => runAdminAction(db, { action, payload: msg.payload, actor, processingFolder: rules.processingFolder }));
        msg.payload = adminResultView(result);
        describeAdminResult(action, result);
      }
      send(msg);
    },
  };
}

function register(RED: NodeAPI): void {
  registerFlowNode<ParkingLotDef, ParkingLotConfig>(RED, {
    type: 'parking-lot',
    uses: { store: (def) => def.store },
    // The error-payload node's and the sidebar's default: the folder file-persisters park from.
    configure: (def, red) => ({ ...rulesOf(def), processingFolder: resolveFolder(red, undefined, 'processing') }),
    start,
    options: { settings: { parkingLotFieldRules: { value: PARKING_LOT_RULES, exportable: true } } },
  });
}

export = register;
