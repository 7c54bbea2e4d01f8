// The row-processor's settings take the compiled function for an expression of the common shapes: its
// mapping gives the body itself (no promise, no JSONata), while other shapes, legacy `msg` expressions and
// inputs the compiled function hands back are evaluated by Node-RED's JSONata.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, NodeAPI } from 'node-red';
import { processorSettings, type RowProcessorDef } from '../../../nodes/row-processor/settings';
import { helper, loadFlow, unloadFlow } from '../../support/node-red';

describe('row-processor settings: compiled JSONata', () => {
  let RED: NodeAPI;
  let node: Node;

  before(async () => {
    await loadFlow([], [{ id: 'n', type: 'helper' }]);
    RED = (helper as unknown as { _RED: NodeAPI })._RED;
    node = helper.getNode('n') as unknown as Node;
  });
  after(() => unloadFlow());

  function settings(fields: Partial<RowProcessorDef>) {
    const def = { id: 'p', type: 'row-processor', name: '', z: '', store: 's', endpoint: 'e', method: 'POST', pathTemplate: '/x', ...fields } as RowProcessorDef;
    return processorSettings(RED, node, def);
  }

  it('a mapping of the common shapes gives the body itself, the same as JSONata', async () => {
    const { map } = settings({ mapping: '{"id": employeeNumber, "bank": {"bic": bic}, "lines": [a, b]}' });
    const row = { employeeNumber: '007', bic: 'DEUTDEFF', a: 0, b: null };
    const body = map!(row);
    assert.ok(!(body instanceof Promise), 'compiled: no promise');
    const jsonata = await RED.util.prepareJSONataExpression('{"id": employeeNumber, "bank": {"bic": bic}, "lines": [a, b]}', node).evaluate(row);
    assert.equal(JSON.stringify(body), JSON.stringify(jsonata));
  });

  it('an input the compiled mapping hands back, another shape and a legacy expression are evaluated by JSONata', async () => {
    const handedBack = settings({ mapping: '{"id": id}' }).map!([{ id: 1 }, { id: 2 }] as never);
    assert.ok(handedBack instanceof Promise);
    assert.equal(JSON.stringify(await handedBack), '{"id":[1,2]}');
    const other = settings({ mapping: '$uppercase(name)' }).map!({ name: 'ada' });
    assert.ok(other instanceof Promise);
    assert.equal(await other, 'ADA');
    const legacy = settings({ mapping: 'msg.name' }).map!({ name: 'ada' });
    assert.ok(legacy instanceof Promise);
    assert.equal(await legacy, 'ada');
  });

  it('a compiled success check decides as JSONata would', async () => {
    const { successCheck } = settings({ successExpression: 'status = "SUCCESS"' });
    assert.deepEqual(await successCheck!({ status: 'SUCCESS' }, undefined as never), { ok: true });
    assert.deepEqual(await successCheck!({ status: 'FAILED' }, undefined as never), { ok: false });
    assert.deepEqual(await successCheck!('not json', undefined as never), { ok: false });
  });
});
