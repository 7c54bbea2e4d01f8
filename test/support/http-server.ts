// A loopback HTTP(S) server standing in for a downstream API: it records every request (headers,
// body, arrival time), counts how many are in flight at once, and answers as each test scripts it;
// selfSignedCertificate() gives it (and tls-config nodes) a throwaway certificate for HTTPS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  /** 0 for the first request the server received. */
  index: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  /** Path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request's headers arrived. */
  receivedAt: number;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string | number | string[]>;
  /** An object or array is sent as JSON. Default: an empty body. */
  body?: string | object;
  /** Hold the answer this long (the request counts as in flight meanwhile). */
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the server stops. */
  hang?: boolean;
  /** Cut the connection instead of answering. */
  destroy?: boolean;
}

export type Responder = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

/** `"/path"`, `"POST /path"` (path without query), or a predicate. */
export type RequestMatch = string | ((request: RecordedRequest) => boolean);

export interface TestServerOptions {
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The answer to requests nothing else answers. Default: 200 with `{}`. */
  respond?: Responder;
  /** Listen on this port (to start a server again where a stopped one was); a free one by default. */
  port?: number;
}

interface Route {
  match: (request: RecordedRequest) => boolean;
  responder: Responder;
}

interface Script {
  match: (request: RecordedRequest) => boolean;
  responses: ScriptedResponse[];
}

export class TestHttpServer {
  readonly requests: RecordedRequest[] = [];
  /** The most requests the server was working on at the same moment. */
  maxConcurrent = 0;
  private inFlight = 0;
  private readonly routes: Route[] = [];
  private readonly scripts: Script[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private fallback: Responder;

  private constructor(
    private readonly server: http.Server | https.Server,
    readonly url: string,
    respond?: Responder,
  ) {
    this.fallback = respond ?? (() => ({ status: 200, body: {} }));
  }

  static async start(options: TestServerOptions = {}): Promise<TestHttpServer> {
    const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }) : http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const instance = new TestHttpServer(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, options.respond);
    server.on('request', (req, res) => void instance.handle(req, res));
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests currently being worked on. */
  get concurrent(): number {
    return this.inFlight;
  }

  /** Answers every request that matches (the first matching route wins, after scripts). */
  route(match: RequestMatch, responder: Responder): this {
    this.routes.push({ match: matcher(match), responder });
    return this;
  }

  /** One answer per matching request, in order, before routes apply; used up answers fall through. */
  script(match: RequestMatch, ...responses: ScriptedResponse[]): this {
    this.scripts.push({ match: matcher(match), responses: [...responses] });
    return this;
  }

  /** Replaces the answer for requests that no script or route takes. */
  respond(responder: Responder): this {
    this.fallback = responder;
    return this;
  }

  requestsTo(match: RequestMatch): RecordedRequest[] {
    const test = matcher(match);
    return this.requests.filter(test);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      this.inFlight -= 1;
    };
    res.on('close', done);
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '/';
    const recorded: RecordedRequest = {
      index: this.requests.length,
      method: req.method ?? 'GET',
      url,
      path: url.split('?')[0],
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt,
    };
    this.requests.push(recorded);
    let answer: ScriptedResponse;
    try {
      answer = await this.responderFor(recorded)(recorded);
    } catch (error) {
      answer = { status: 500, body: { message: `test responder failed: ${String(error)}` } };
    }
    if (answer.hang) return;
    if (answer.delayMs) await this.pause(answer.delayMs);
    if (res.destroyed) return;
    if (answer.destroy) {
      res.socket?.destroy();
      done();
      return;
    }
    const isJson = answer.body !== undefined && typeof answer.body !== 'string';
    const text = answer.body === undefined ? '' : isJson ? JSON.stringify(answer.body) : (answer.body as string);
    res.writeHead(answer.status ?? 200, { ...(isJson ? { 'content-type': 'application/json' } : {}), ...answer.headers });
    res.end(text);
  }

  private responderFor(request: RecordedRequest): Responder {
    for (const script of this.scripts) {
      if (script.responses.length > 0 && script.match(request)) {
        const next = script.responses.shift() as ScriptedResponse;
        return () => next;
      }
    }
    return this.routes.find((route) => route.match(request))?.responder ?? this.fallback;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function matcher(match: RequestMatch): (request: RecordedRequest) => boolean {
  if (typeof match === 'function') return match;
  const [first, second] = match.trim().split(/\s+/, 2);
  const method = second === undefined ? undefined : first.toUpperCase();
  const path = second ?? first;
  return (request) => request.path === path && (method === undefined || request.method === method);
}

/** Starts a server for one test and stops it when the test ends, pass or fail. */
export async function withServer<T>(options: TestServerOptions, work: (server: TestHttpServer) => Promise<T>): Promise<T> {
  const server = await TestHttpServer.start(options);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

export interface SelfSignedCertificate {
  dir: string;
  keyPath: string;
  certPath: string;
  key: string;
  cert: string;
}

/** A throwaway certificate for 127.0.0.1, made with openssl at test time. */
export function selfSignedCertificate(): SelfSignedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsync-tls-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyPath, '-out', certPath,
  ], { stdio: 'ignore' });
  return { dir, keyPath, certPath, key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8') };
}
