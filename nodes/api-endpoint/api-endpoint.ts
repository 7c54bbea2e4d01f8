import type { NodeAPI } from 'node-red';
import { describeError } from '../../lib/errors';
import { createClient, type ApiEndpointDef, type ApiEndpointNode } from '../../lib/node-red/api-endpoint-node';

function register(RED: NodeAPI): void {
  function ApiEndpoint(this: ApiEndpointNode, def: ApiEndpointDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.baseUrl = def.baseUrl;
    try {
      node.client = createClient(RED, def, node.credentials ?? {});
    } catch (error) {
      // A config node has no status: the reason goes to the log, and to the flow nodes through configError.
      node.configError = describeError(error);
      node.error(`api-endpoint ${node.name || node.id} cannot send: ${node.configError}`);
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      if (!node.client) return done();
      node.client.close().then(done, (error) => {
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
