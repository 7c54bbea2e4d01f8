// The downstream of the upsert benchmark, in its own process: a loopback keep-alive HTTP server that keeps
// an id per created record (POST /customers answers {"id": n}; a repeated Idempotency-Key the same id),
// answers PUT /customers/:id with 200 after a fixed latency, and counts requests by method.
//   GET /stats -> { creates, updates, other }   POST /reset -> zeroes the counters
// Started by bench/upsert.ts with fork(); it reports its port on the IPC channel.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

function main(): void {
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 2);
  const idsByKey = new Map<string, number>();
  let nextId = 1;
  let stats = { creates: 0, updates: 0, other: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(stats));
      return;
    }
    if (req.method === 'POST' && req.url === '/reset') {
      req.resume();
      stats = { creates: 0, updates: 0, other: 0 };
      res.writeHead(204);
      res.end();
      return;
    }
    let body = '';
    if (req.method === 'POST' && req.url === '/customers') {
      stats.creates += 1;
      const key = String(req.headers['idempotency-key'] ?? '');
      let id = idsByKey.get(key);
      if (id === undefined) {
        id = nextId;
        nextId += 1;
        idsByKey.set(key, id);
      }
      body = `{"id":${id}}`;
    } else if (req.method === 'PUT' && req.url?.startsWith('/customers/')) {
      stats.updates += 1;
      body = '{"status":"SUCCESS"}';
    } else stats.other += 1;
    req.resume();
    req.on('end', () => {
      const answer = () => {
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main();
