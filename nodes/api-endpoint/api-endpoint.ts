import type { NodeAPI } from 'node-red';
import { describeError } from '../../lib/errors';
import { createClient, type ApiEndpointDef, type ApiEndpointNode } from '../../lib/node-red/api-endpoint-node';
import { closeBudget } from '../../lib/node-red/close-budget';
import { ConfigUsers } from '../../lib/node-red/config-users';

function register(RED: NodeAPI): void {
  function ApiEndpoint(this: ApiEndpointNode, def: ApiEndpointDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new ConfigUsers();
    node.baseUrl = def.baseUrl;
    node.register = (user) => users.register(user.id);
    node.deregister = (user) => users.deregister(user.id);
    try {
      node.client = createClient(RED, def, node.credentials ?? {});
    } catch (error) {
      // A config node has no status: the reason goes to the log, and to the flow nodes through configError.
      node.configError = describeError(error);
      node.error(RED._('api-endpoint.log.unusable', { name: node.name || node.id, reason: node.configError }));
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      if (!node.client) return done();
      const client = node.client;
      // The flow nodes using it let their requests in flight finish first (see the flow node toolkit).
      users
        .whenUnused(closeBudget(RED).configMs - 1000)
        .then(() => client.close())
        .then(done, (error) => {
          node.error(error);
          done();
        });
    });
  }

  RED.nodes.registerType('api-endpoint', ApiEndpoint as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      token: { type: 'password' },
      apiKey: { type: 'password' },
      clientSecret: { type: 'password' },
    },
  });
}

export = register;
