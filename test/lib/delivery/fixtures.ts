// Servers and clients a delivery test starts, stopped after each test whatever its result.
import { afterEach } from 'node:test';
import { ApiClient, type EndpointConfig } from '../../../lib/delivery';
import { TestHttpServer, type TestServerOptions } from '../../support/http-server';

export function useFixtures(): {
  server(options?: TestServerOptions): Promise<TestHttpServer>;
  client(config: Partial<EndpointConfig> & { baseUrl: string }): ApiClient;
} {
  const servers: TestHttpServer[] = [];
  const clients: ApiClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  });
  return {
    async server(options) {
      const server = await TestHttpServer.start(options);
      servers.push(server);
      return server;
    },
    client(config) {
      const client = new ApiClient({ auth: { type: 'none' }, timeoutMs: 5_000, connections: 10, ...config });
      clients.push(client);
      return client;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
