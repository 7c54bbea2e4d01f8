// The downstream API of the benchmark, in its own process: a loopback keep-alive HTTP server that
// answers every POST with {"status":"SUCCESS"} after a fixed latency, and counts what it saw.
//   GET  /stats  -> { requests, distinctKeys, duplicateKeys, missingKeys, maxInFlight, connections }
//   POST /reset  -> zeroes the counters (between variants); POST /reset?latency=MS also sets the latency
// Started by bench/run.ts with fork(); it reports its port on the IPC channel.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubStats {
  requests: number;
  distinctKeys: number;
  duplicateKeys: number;
  missingKeys: number;
  /** Most requests being answered at one moment. */
  maxInFlight: number;
  /** Requests being answered when one arrived, on average (itself included): the client's effective concurrency. */
  meanInFlight: number;
  /** TCP connections opened since the last reset. */
  connections: number;
  /** Most TCP connections open at one moment since the last reset. */
  maxOpenConnections: number;
}

const SUCCESS = Buffer.from('{"status":"SUCCESS"}');
const HEADERS = { 'content-type': 'application/json', 'content-length': String(SUCCESS.length) };

function main(): void {
  let latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 2);
  let keys = new Set<string>();
  let stats = fresh();
  let inFlight = 0;
  let inFlightSum = 0;
  let open = 0;

  function fresh(): StubStats {
    return { requests: 0, distinctKeys: 0, duplicateKeys: 0, missingKeys: 0, maxInFlight: 0, meanInFlight: 0, connections: 0, maxOpenConnections: 0 };
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...stats, distinctKeys: keys.size, meanInFlight: stats.requests ? Math.round((inFlightSum / stats.requests) * 100) / 100 : 0 }));
      return;
    }
    if (req.method === 'POST' && (req.url === '/reset' || req.url?.startsWith('/reset?'))) {
      req.resume();
      const latency = new URL(req.url, 'http://stub').searchParams.get('latency');
      if (latency !== null) latencyMs = Number(latency);
      keys = new Set();
      stats = fresh();
      inFlightSum = 0;
      stats.maxOpenConnections = open;
      res.writeHead(204);
      res.end();
      return;
    }
    stats.requests += 1;
    inFlight += 1;
    if (inFlight > stats.maxInFlight) stats.maxInFlight = inFlight;
    inFlightSum += inFlight;
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') stats.missingKeys += 1;
    else if (keys.has(key)) stats.duplicateKeys += 1;
    else keys.add(key);
    req.resume();
    req.on('end', () => {
      const answer = () => {
        inFlight -= 1;
        res.writeHead(200, HEADERS);
        res.end(SUCCESS);
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.on('connection', (socket) => {
    stats.connections += 1;
    open += 1;
    if (open > stats.maxOpenConnections) stats.maxOpenConnections = open;
    socket.on('close', () => (open -= 1));
  });
  // Clients keep their connections for the whole run; the server must not close them in between.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  server.maxRequestsPerSocket = 0;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: 'listening', port });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main();
