// A base URL splits into the origin the pool connects to and a path prefix every request path goes under.
import { EndpointConfigError } from './errors';

export interface BaseUrl {
  origin: string;
  pathPrefix: string;
}

export function parseBaseUrl(baseUrl: string): BaseUrl {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new EndpointConfigError(`the base URL "${baseUrl}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointConfigError(`the base URL "${baseUrl}" must start with http:// or https://`);
  }
  if (url.username || url.password) {
    // Credentials in a URL end up in logs and the flow file; they belong in the auth settings.
    throw new EndpointConfigError('the base URL must not contain a user name or password: use the authentication settings');
  }
  if (url.search || url.hash) {
    throw new EndpointConfigError(`the base URL "${baseUrl}" must not have a query or fragment: put them in the request path`);
  }
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
}

const SLASH = 0x2f;

/** `/api/v1` + `employees/1` or `/employees/1` → `/api/v1/employees/1`: exactly one slash at the seam. */
export function joinPath(pathPrefix: string, path: string): string {
  let start = 0;
  while (path.charCodeAt(start) === SLASH) start += 1;
  return `${pathPrefix}/${start === 0 ? path : path.slice(start)}`;
}
