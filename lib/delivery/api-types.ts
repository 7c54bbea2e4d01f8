// The shapes an endpoint is configured with and a request/response travel in.
import type { ConnectionOptions } from 'node:tls';
import type { ProxyConfig } from './proxy';

export type EndpointAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'apiKey'; header: string; value: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string; audience?: string };

export interface EndpointConfig {
  baseUrl: string;
  auth: EndpointAuth;
  tls?: ConnectionOptions;
  timeoutMs: number;
  connections: number;
  rateLimitPerSecond?: number;
  headers?: Record<string, string>;
  /** The HTTP proxy for the API and the token endpoint; undefined: direct. */
  proxy?: ProxyConfig;
}

export interface ApiRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  durationMs: number;
}
