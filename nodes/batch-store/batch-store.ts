import type { NodeAPI } from 'node-red';
import { storeConfig, type BatchStoreDef, type BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { closeBudget } from '../../lib/node-red/close-budget';
import { ConfigUsers } from '../../lib/node-red/config-users';
import { StoreConnection, type ConnectionState } from '../../lib/store';

function register(RED: NodeAPI): void {
  function BatchStore(this: BatchStoreNode, def: BatchStoreDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new ConfigUsers();
    node.connection = new StoreConnection(storeConfig(RED, def, node.credentials ?? {}));
    node.use = (work) => node.connection.use(work);
    node.watch = (listener) => {
      listener(node.connection.state, node.connection.reason);
      node.connection.on('state', listener);
      return () => node.connection.off('state', listener);
    };
    node.register = (user) => users.register(user.id);
    node.deregister = (user) => users.deregister(user.id);
    node.connection.on('state', (state: ConnectionState, reason: string) => {
      if (state === 'unavailable') node.warn(RED._('batch-store.log.unavailable', { target: node.connection.target, reason }));
      if (state === 'ready') node.log(RED._('batch-store.log.ready', { target: node.connection.target }));
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      // Node-RED closes this node in the same pass as the flow nodes using it: they may still be writing
      // a checkpoint or finishing an admin's change, so the pool goes only after the last of them.
      const budget = closeBudget(RED);
      const started = Date.now();
      users
        .whenUnused(budget.configMs - 1000)
        .then(() => node.connection.close(Math.max(250, budget.configMs - (Date.now() - started))))
        .then(done, (error) => {
          node.error(error);
          done();
        });
    });
  }

  RED.nodes.registerType('batch-store', BatchStore as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
    },
  });
}

export = register;
