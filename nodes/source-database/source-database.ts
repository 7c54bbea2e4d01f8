import type { NodeAPI } from 'node-red';
import { describeError } from '../../lib/errors';
import { closeBudget } from '../../lib/node-red/close-budget';
import { ConfigUsers } from '../../lib/node-red/config-users';
import { SourceConnection, SourceUnavailableError, validateSourceConfig, type SourceState } from '../../lib/source';
import { sourceConfigOf, type SourceDatabaseDef, type SourceDatabaseNode } from './source-database-node';

function register(RED: NodeAPI): void {
  function SourceDatabase(this: SourceDatabaseNode, def: SourceDatabaseDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new ConfigUsers();
    node.register = (user) => users.register(user.id);
    node.deregister = (user) => users.deregister(user.id);
    let problem: string | undefined;
    try {
      node.connection = new SourceConnection(validateSourceConfig(sourceConfigOf(RED, def, node.credentials ?? {})));
    } catch (error) {
      problem = describeError(error);
      node.error(problem);
    }
    node.use = (work) => (problem ? Promise.reject(new SourceUnavailableError(problem)) : node.connection.use(work));
    node.watch = (listener) => {
      if (problem) {
        listener('unavailable', problem);
        return () => undefined;
      }
      listener(node.connection.state, node.connection.reason);
      node.connection.on('state', listener);
      return () => node.connection.off('state', listener);
    };
    node.connection?.on('state', (state: SourceState, reason: string) => {
      if (state === 'unavailable') node.warn(`${node.connection.description} is not available, retrying: ${reason}`);
      if (state === 'ready') node.log(`${node.connection.description} ready`);
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      if (!node.connection) return done();
      // An extract under way finishes its page and its commit before the pool goes (see the node toolkit).
      users.whenUnused(closeBudget(RED).configMs - 1000).then(() => node.connection.close()).then(done, (error) => {
        node.error(error);
        done();
      });
    });
  }

  RED.nodes.registerType('source-database', SourceDatabase as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      user: { type: 'text' },
      password: { type: 'password' },
    },
  });
}

export = register;
