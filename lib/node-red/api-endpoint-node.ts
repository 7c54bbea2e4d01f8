import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ConnectionOptions } from 'node:tls';
import { ApiClient, EndpointConfigError, proxyFromEnvironment, type EndpointAuth, type EndpointConfig, type ProxyConfig } from '../delivery';

export type AuthType = EndpointAuth['type'];

export interface ApiEndpointDef extends NodeDef {
  baseUrl: string;
  authType: AuthType;
  apiKeyHeader: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  audience: string;
  tls: string;
  /** The id of a Node-RED `http proxy` config node; '' for the environment's HTTP_PROXY / HTTPS_PROXY / NO_PROXY. */
  proxy?: string;
  timeout: string | number;
  connections: string | number;
  rateLimit: string | number;
  /** A JSON object of header names to text values, '' for none. */
  headers: string;
}

/** Everything secret lives here, in Node-RED's encrypted credentials, never in the flow JSON. */
export interface ApiEndpointCredentials {
  username?: string;
  password?: string;
  token?: string;
  apiKey?: string;
  clientSecret?: string;
}

/** What the flow nodes see of an api-endpoint config node. */
export interface ApiEndpointNode extends Node<ApiEndpointCredentials> {
  /** Undefined when the settings cannot work; `configError` then says why (also logged on deploy). */
  client?: ApiClient;
  configError?: string;
  baseUrl: string;
  /** A flow node starts using the endpoint; its connections close only after the last one deregistered. */
  register(user: Node): void;
  deregister(user: Node): void;
}

interface TlsConfigNode extends Node {
  addTLSOptions(options: ConnectionOptions): void;
}

/** Node-RED's core `http proxy` config node. */
interface HttpProxyNode extends Node<{ username?: string; password?: string }> {
  url?: string;
  noproxy?: string[];
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECTIONS = 10;
const DEFAULT_API_KEY_HEADER = 'X-API-Key';

function endpointConfig(RED: NodeAPI, def: ApiEndpointDef, credentials: ApiEndpointCredentials): EndpointConfig {
  return {
    baseUrl: (def.baseUrl ?? '').trim(),
    auth: endpointAuth(def, credentials),
    tls: tlsOptions(RED, def.tls),
    timeoutMs: positiveNumber(def.timeout, DEFAULT_TIMEOUT_MS),
    connections: Math.floor(positiveNumber(def.connections, DEFAULT_CONNECTIONS)),
    rateLimitPerSecond: positiveNumber(def.rateLimit, 0),
    headers: parseExtraHeaders(def.headers),
    proxy: proxySettings(RED, def.proxy),
  };
}

/** The chosen `http proxy` node's settings, else the environment's, as the core http request node does. */
export function proxySettings(RED: NodeAPI, proxyId: string | undefined, env: NodeJS.ProcessEnv = process.env): ProxyConfig | undefined {
  if (!proxyId) return proxyFromEnvironment(env);
  const proxyNode = RED.nodes.getNode(proxyId) as HttpProxyNode | null;
  // Going direct where a proxy was chosen would fail later and less clearly, or bypass a policy.
  if (!proxyNode) throw new EndpointConfigError(`the HTTP proxy configuration ${proxyId} does not exist`);
  const url = (proxyNode.url ?? '').trim();
  if (!url) throw new EndpointConfigError(`the HTTP proxy configuration ${proxyNode.name || proxyId} has no URL`);
  return {
    httpUrl: url,
    httpsUrl: url,
    noProxy: Array.isArray(proxyNode.noproxy) ? proxyNode.noproxy : [],
    username: proxyNode.credentials?.username || undefined,
    password: proxyNode.credentials?.password || undefined,
  };
}

function endpointAuth(def: ApiEndpointDef, credentials: ApiEndpointCredentials): EndpointAuth {
  switch (def.authType ?? 'none') {
    case 'none':
      return { type: 'none' };
    case 'basic':
      return { type: 'basic', username: credentials.username ?? '', password: credentials.password ?? '' };
    case 'bearer':
      return { type: 'bearer', token: credentials.token ?? '' };
    case 'apiKey':
      return { type: 'apiKey', header: def.apiKeyHeader?.trim() || DEFAULT_API_KEY_HEADER, value: credentials.apiKey ?? '' };
    case 'oauth2':
      return {
        type: 'oauth2',
        tokenUrl: (def.tokenUrl ?? '').trim(),
        clientId: (def.clientId ?? '').trim(),
        clientSecret: credentials.clientSecret ?? '',
        scope: def.scope?.trim() || undefined,
        audience: def.audience?.trim() || undefined,
      };
    default:
      throw new EndpointConfigError(`unknown authentication type "${String(def.authType)}"`);
  }
}

function parseExtraHeaders(text: string | undefined): Record<string, string> {
  if (!text?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EndpointConfigError('the extra headers are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EndpointConfigError('the extra headers must be a JSON object of header names to values');
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new EndpointConfigError(`the extra header "${name}" must have a text value`);
  }
  return parsed as Record<string, string>;
}

function tlsOptions(RED: NodeAPI, tlsId: string | undefined): ConnectionOptions | undefined {
  if (!tlsId) return undefined;
  const tlsNode = RED.nodes.getNode(tlsId) as TlsConfigNode | null;
  // Sending without the configured CA or client certificate would fail later and less clearly.
  if (!tlsNode) throw new EndpointConfigError(`the TLS configuration ${tlsId} does not exist`);
  const options: ConnectionOptions = {};
  tlsNode.addTLSOptions(options);
  return options;
}

function positiveNumber(value: string | number | undefined, fallback: number): number {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : fallback;
}

/** The api-endpoint config node a flow node points at, or undefined when it is missing. */
export function apiEndpointOf(RED: NodeAPI, id: string | undefined): ApiEndpointNode | undefined {
  return id ? ((RED.nodes.getNode(id) as ApiEndpointNode | null) ?? undefined) : undefined;
}

export function createClient(RED: NodeAPI, def: ApiEndpointDef, credentials: ApiEndpointCredentials): ApiClient {
  return new ApiClient(endpointConfig(RED, def, credentials));
}
