// Which HTTP proxy a request to a URL goes through: Node-RED's `http proxy` config node (url, noproxy,
// credentials), or else HTTP_PROXY / HTTPS_PROXY / NO_PROXY from the environment, as the core http
// request node does. The decision is made once per origin (the API's, the token endpoint's).
import { EndpointConfigError } from './errors';
import { base64Credential } from './redact-secrets';

export interface ProxyConfig {
  /** The proxy for http:// targets. */
  httpUrl?: string;
  /** The proxy for https:// targets. */
  httpsUrl?: string;
  /** Hosts reached directly: `host`, `.domain` or `*.domain`, optionally `:port`; `*` for all. */
  noProxy?: string[];
  username?: string;
  password?: string;
}

export interface ChosenProxy {
  uri: string;
  /** The Proxy-Authorization value, when the proxy needs credentials. */
  token?: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The proxy settings the environment gives (lower-case names win, as curl reads them), or undefined. */
export function proxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): ProxyConfig | undefined {
  const httpUrl = env.http_proxy || env.HTTP_PROXY || undefined;
  const httpsUrl = env.https_proxy || env.HTTPS_PROXY || httpUrl;
  if (!httpUrl && !httpsUrl) return undefined;
  const noProxy = (env.no_proxy || env.NO_PROXY || '').split(/[,\s]+/).filter(Boolean);
  return { httpUrl, httpsUrl, noProxy };
}

/** True when `target` must be reached directly by the no-proxy list (the rules of proxy-from-env). */
export function bypassesProxy(target: URL, noProxy: string[] = []): boolean {
  const hostname = target.hostname.toLowerCase();
  const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (!entry) return false;
    if (entry === '*') return true;
    const withPort = /^(.+):(\d+)$/.exec(entry);
    const host = withPort ? withPort[1] : entry;
    if (withPort && Number(withPort[2]) !== port) return false;
    if (!/^[.*]/.test(host)) return hostname === host;
    const suffix = host.replace(/^\*/, '');
    return hostname.endsWith(suffix) || hostname === suffix.replace(/^\./, '');
  });
}

/** The proxy a request to `targetUrl` goes through, or undefined for a direct connection. */
export function chooseProxy(targetUrl: string, config: ProxyConfig | undefined): ChosenProxy | undefined {
  if (!config) return undefined;
  const target = new URL(targetUrl);
  const uri = target.protocol === 'https:' ? config.httpsUrl : config.httpUrl;
  if (!uri || bypassesProxy(target, config.noProxy)) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(uri.includes('://') ? uri : `http://${uri}`);
  } catch {
    throw new EndpointConfigError('the HTTP proxy URL is not a URL');
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') throw new EndpointConfigError('the HTTP proxy URL must start with http:// or https://');
  // Credentials in the URL (from the environment) count like those of the proxy config node.
  const username = config.username || decodeURIComponent(proxy.username);
  const password = config.password || decodeURIComponent(proxy.password);
  proxy.username = '';
  proxy.password = '';
  return { uri: proxy.href, ...(username || password ? { token: `Basic ${base64Credential(username, password)}` } : {}) };
}

/** The proxy secrets to redact: its password and the credential made of it. */
export function secretsOfProxy(config: ProxyConfig | undefined): string[] {
  if (!config) return [];
  const secrets: string[] = [];
  for (const uri of [config.httpUrl, config.httpsUrl]) {
    try {
      const url = new URL(uri ?? '');
      if (url.password) secrets.push(decodeURIComponent(url.password), base64Credential(decodeURIComponent(url.username), decodeURIComponent(url.password)));
    } catch {
      // Not a URL: chooseProxy says so.
    }
  }
  if (config.password) secrets.push(config.password, base64Credential(config.username ?? '', config.password));
  return secrets;
}
