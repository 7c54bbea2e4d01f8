// The downstream API of the benchmark, in its own process: a loopback keep-alive HTTP server that
// answers after a fixed latency and counts what it saw. What it answers depends on its mode:
//   plain   (default) every request {"status":"SUCCESS"}
//   grouped every request {"status":"SUCCESS"}; the body is read as a JSON list: items counted, and the paths
//   upsert  POST /customers answers a new {"id": n} (the same id for a repeated Idempotency-Key);
//           PUT /customers/:id 200 for an id it gave, 404 for another; creates and updates counted
//   GET  /stats  -> StubStats
//   POST /reset  -> zeroes the counters (between variants and runs); ?latency=MS also sets the latency;
//                   ?mode=M sets the mode and forgets the ids given (a new variant)
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
  mode: StubMode;
  /** grouped: list items in the bodies, distinct paths (one per parent), bodies that were not a JSON list. */
  items?: number;
  distinctPaths?: number;
  notLists?: number;
  /** upsert: POST /customers, distinct customerNo among them; PUT /customers/:id, distinct ids among them;
   * updates of an id it never gave (answered 404); requests on any other route (answered 404). */
  creates?: number;
  distinctCreated?: number;
  updates?: number;
  distinctUpdated?: number;
  unknownIds?: number;
  otherRoutes?: number;
}

export type StubMode = 'plain' | 'grouped' | 'upsert';
const MODES: readonly StubMode[] = ['plain', 'grouped', 'upsert'];

const SUCCESS = Buffer.from('{"status":"SUCCESS"}');
const HEADERS = { 'content-type': 'application/json', 'content-length': String(SUCCESS.length) };

function main(): void {
  let latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 2);
  let mode: StubMode = 'plain';
  let keys = new Set<string>();
  let stats = fresh();
  let inFlight = 0;
  let inFlightSum = 0;
  let open = 0;
  // upsert: the id given per Idempotency-Key (kept over the runs of one variant), and the ids given.
  let idsByKey = new Map<string, number>();
  let givenIds = new Set<string>();
  let paths = new Set<string>();
  let created = new Set<string>();
  let updated = new Set<string>();

  function fresh(): StubStats {
    const base = { requests: 0, distinctKeys: 0, duplicateKeys: 0, missingKeys: 0, maxInFlight: 0, meanInFlight: 0, connections: 0, maxOpenConnections: 0, mode };
    if (mode === 'grouped') return { ...base, items: 0, distinctPaths: 0, notLists: 0 };
    if (mode === 'upsert') return { ...base, creates: 0, distinctCreated: 0, updates: 0, distinctUpdated: 0, unknownIds: 0, otherRoutes: 0 };
    return base;
  }

  function current(): StubStats {
    const figures: StubStats = { ...stats, distinctKeys: keys.size, meanInFlight: stats.requests ? Math.round((inFlightSum / stats.requests) * 100) / 100 : 0 };
    if (mode === 'grouped') figures.distinctPaths = paths.size;
    if (mode === 'upsert') {
      figures.distinctCreated = created.size;
      figures.distinctUpdated = updated.size;
    }
    return figures;
  }

  /** The answer to a request of the grouped or upsert mode, from its body: [status, body]. */
  function answerFor(req: http.IncomingMessage, key: string | undefined, body: string): [number, Buffer] {
    if (mode === 'grouped') {
      paths.add(req.url ?? '');
      let list: unknown;
      try {
        list = JSON.parse(body);
      } catch {
        list = undefined;
      }
      if (Array.isArray(list)) stats.items! += list.length;
      else stats.notLists! += 1;
      return [200, SUCCESS];
    }
    if (req.method === 'POST' && req.url === '/customers') {
      stats.creates! += 1;
      let customerNo: unknown;
      try {
        customerNo = (JSON.parse(body) as { customerNo?: unknown }).customerNo;
      } catch {
        customerNo = undefined;
      }
      created.add(String(customerNo));
      let id = key === undefined ? undefined : idsByKey.get(key);
      if (id === undefined) {
        id = givenIds.size + 1;
        givenIds.add(String(id));
        if (key !== undefined) idsByKey.set(key, id);
      }
      return [201, Buffer.from(`{"id":${id}}`)];
    }
    const update = req.method === 'PUT' ? /^\/customers\/([^/?]+)$/.exec(req.url ?? '') : null;
    if (update) {
      stats.updates! += 1;
      updated.add(update[1]);
      if (!givenIds.has(update[1])) {
        stats.unknownIds! += 1;
        return [404, Buffer.from('{"error":"no such customer"}')];
      }
      return [200, SUCCESS];
    }
    stats.otherRoutes! += 1;
    return [404, Buffer.from('{"error":"no such route"}')];
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(current()));
      return;
    }
    if (req.method === 'POST' && (req.url === '/reset' || req.url?.startsWith('/reset?'))) {
      req.resume();
      const latency = new URL(req.url, 'http://stub').searchParams.get('latency');
      if (latency !== null) latencyMs = Number(latency);
      const nextMode = new URL(req.url, 'http://stub').searchParams.get('mode');
      if (nextMode !== null) {
        if (!(MODES as readonly string[]).includes(nextMode)) {
          res.writeHead(400);
          res.end(`mode must be one of ${MODES.join(', ')}`);
          return;
        }
        mode = nextMode as StubMode;
        idsByKey = new Map();
        givenIds = new Set();
      }
      keys = new Set();
      paths = new Set();
      created = new Set();
      updated = new Set();
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
    if (mode === 'plain') req.resume();
    let body = '';
    if (mode !== 'plain') {
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
    }
    req.on('end', () => {
      const answer = () => {
        inFlight -= 1;
        if (mode === 'plain') {
          res.writeHead(200, HEADERS);
          res.end(SUCCESS);
          return;
        }
        const [status, text] = answerFor(req, typeof key === 'string' && key !== '' ? key : undefined, body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(text.length) });
        res.end(text);
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
