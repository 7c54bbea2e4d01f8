import type { NodeAPI } from 'node-red';
import { storeConfig, type BatchStoreDef, type BatchStoreNode } from '../../lib/node-red/batch-store-node';
import { StoreConnection, type ConnectionState } from '../../lib/store';

function register(RED: NodeAPI): void {
  function BatchStore(this: BatchStoreNode, def: BatchStoreDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.connection = new StoreConnection(storeConfig(RED, def, node.credentials ?? {}));
    node.use = (work) => node.connection.use(work);
    node.watch = (listener) => {
      listener(node.connection.state, node.connection.reason);
      node.connection.on('state', listener);
      return () => node.connection.off('state', listener);
    };
    node.connection.on('state', (state: ConnectionState, reason: string) => {
      if (state === 'unavailable') node.warn(`${node.connection.target} is not available, retrying: ${reason}`);
      if (state === 'ready') node.log(`${node.connection.target} ready`);
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      node.connection.close().then(done, (error) => {
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
